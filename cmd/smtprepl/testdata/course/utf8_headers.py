# Headers that are not ASCII: Python writes them as RFC 2047 encoded words.
# Usage: python3 utf8_headers.py PORT CAFILE
import smtplib
import ssl
import sys
from email.headerregistry import Address
from email.message import EmailMessage

port, cafile = int(sys.argv[1]), sys.argv[2]
context = ssl.create_default_context(cafile=cafile)

msg = EmailMessage()
msg["From"] = Address("Zoë Ünal", "student", "example.test")
msg["To"] = Address("Алиса", "alice", "example.test")
msg["Subject"] = "Grüße aus Köln – καλημέρα"
msg.set_content("Viele Grüße!\n")

with smtplib.SMTP("localhost", port) as server:
    server.starttls(context=context)
    server.login("student", "secret")
    server.send_message(msg)
