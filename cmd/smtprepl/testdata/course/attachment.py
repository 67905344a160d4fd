# A message with a file attached: multipart/mixed.
# Usage: python3 attachment.py PORT CAFILE
import smtplib
import ssl
import sys
from email.message import EmailMessage

port, cafile = int(sys.argv[1]), sys.argv[2]
context = ssl.create_default_context(cafile=cafile)

msg = EmailMessage()
msg["From"] = "student@example.test"
msg["To"] = "bob@example.test"
msg["Subject"] = "The figures"
msg.set_content("The figures are attached.\n")
figures = b"month,sales\njan,10\nfeb,12\n"
msg.add_attachment(figures, maintype="text", subtype="csv", filename="figures.csv")

with smtplib.SMTP("localhost", port) as server:
    server.starttls(context=context)
    server.login("student", "secret")
    server.send_message(msg)
