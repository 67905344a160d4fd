# AUTH LOGIN by hand with docmd, as the course text shows it: every answer
# is base64, and every 334 asks for the next one.
# Usage: python3 docmd_auth_login.py PORT CAFILE
import base64
import smtplib
import ssl
import sys

port, cafile = int(sys.argv[1]), sys.argv[2]
context = ssl.create_default_context(cafile=cafile)

server = smtplib.SMTP("localhost", port)
server.ehlo()
server.starttls(context=context)
server.ehlo()
code, text = server.docmd("AUTH LOGIN")
assert code == 334, (code, text)
print(base64.b64decode(text).decode())  # Username:
code, text = server.docmd(base64.b64encode(b"student").decode())
assert code == 334, (code, text)
print(base64.b64decode(text).decode())  # Password:
code, text = server.docmd(base64.b64encode(b"secret").decode())
assert code == 235, (code, text)
server.sendmail("student@example.test", ["carol@example.test"],
                "Subject: Logged in with docmd\r\n\r\nAUTH LOGIN, typed by hand.\r\n")
server.quit()
