# Sending over implicit TLS (port 465), as the course's first program does.
# Usage: python3 ssl_send.py PORT CAFILE
import smtplib
import ssl
import sys
from email.message import EmailMessage

port, cafile = int(sys.argv[1]), sys.argv[2]
context = ssl.create_default_context(cafile=cafile)

msg = EmailMessage()
msg["From"] = "student@example.test"
msg["To"] = "alice@example.test"
msg["Subject"] = "Hello over SMTP_SSL"
msg.set_content("This message was encrypted from the first byte.\n")

with smtplib.SMTP_SSL("localhost", port, context=context) as server:
    server.login("student", "secret")
    server.send_message(msg)
