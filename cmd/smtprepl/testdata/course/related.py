# An HTML message showing an image carried in the message itself:
# multipart/related, the image found by its Content-ID.
# Usage: python3 related.py PORT CAFILE
import smtplib
import ssl
import sys
from email.message import EmailMessage

port, cafile = int(sys.argv[1]), sys.argv[2]
context = ssl.create_default_context(cafile=cafile)

# The smallest PNG there is: one transparent pixel.
png = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")

msg = EmailMessage()
msg["From"] = "student@example.test"
msg["To"] = "carol@example.test"
msg["Subject"] = "A picture inside"
msg.set_content("Your mail reader shows text only.\n")
msg.add_alternative('<html><body><p>Look:</p><img src="cid:image"></body></html>\n', subtype="html")
msg.get_payload()[1].add_related(png, maintype="image", subtype="png", cid="<image>")

with smtplib.SMTP("localhost", port) as server:
    server.starttls(context=context)
    server.login("student", "secret")
    server.send_message(msg)
