# A message with a plain text and an HTML version: multipart/alternative.
# Usage: python3 alternative.py PORT CAFILE
import smtplib
import ssl
import sys
from email.message import EmailMessage

port, cafile = int(sys.argv[1]), sys.argv[2]
context = ssl.create_default_context(cafile=cafile)

msg = EmailMessage()
msg["From"] = "student@example.test"
msg["To"] = "alice@example.test"
msg["Subject"] = "Two versions"
msg.set_content("Plain text for old mail readers.\n")
msg.add_alternative("<html><body><p>HTML for <b>new</b> ones.</p></body></html>\n", subtype="html")

with smtplib.SMTP("localhost", port) as server:
    server.starttls(context=context)
    server.login("student", "secret")
    server.send_message(msg)
