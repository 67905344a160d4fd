# Sending on the submission port (587): STARTTLS first, then login.
# Usage: python3 starttls_login.py PORT CAFILE
import smtplib
import ssl
import sys

port, cafile = int(sys.argv[1]), sys.argv[2]
context = ssl.create_default_context(cafile=cafile)

message = """\
From: student@example.test
To: bob@example.test
Subject: Hello after STARTTLS

The connection started in plain text and was upgraded.
"""

server = smtplib.SMTP("localhost", port)
server.ehlo()
server.starttls(context=context)
server.ehlo()  # the server's answer changes after STARTTLS: AUTH appears
server.login("student", "secret")
server.sendmail("student@example.test", ["bob@example.test"], message)
server.quit()
