# Writes the smtplib-*.log files of this directory: Python's smtplib with
# set_debuglevel(1) and (2) against the practice server, started as
#   smtprepl sandbox --listen 127.0.0.1:2525 --listen-tls 127.0.0.1:2465 \
#       --submission 127.0.0.1:2587 --write-cert /tmp/sandbox.pem
# and run as
#   cd transcripts/testdata && /usr/bin/python3 smtplib-logs.py 2465 2587 /tmp/sandbox.pem
# Then go test ./transcripts -run TestSmtplibGolden -update, and review.
import base64
import contextlib
import smtplib
import ssl
import sys
import traceback
from email.message import EmailMessage

tls_port, submission_port, cafile = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
ctx = ssl.create_default_context(cafile=cafile)


def submission_plain():
    """Level 1, STARTTLS on the submission port, AUTH PLAIN, send_message."""
    msg = EmailMessage()
    msg["From"] = "student@example.test"
    msg["To"] = "alice@example.test"
    msg["Subject"] = "Monday's notes"
    msg.set_content("Hi Alice,\n.a line that starts with a dot\nBye\n")
    s = smtplib.SMTP("127.0.0.1", submission_port, local_hostname="laptop.example")
    s.set_debuglevel(1)  # after connecting, as course texts do: no greeting logged
    s.ehlo()
    s.starttls(context=ctx)
    s.ehlo()
    s.esmtp_features["auth"] = "PLAIN"
    s.login("student", "secret")
    s.send_message(msg)
    s.quit()


def ssl_login_level2():
    """Level 2, implicit TLS, AUTH LOGIN, sendmail with a refused recipient."""
    smtplib.SMTP_SSL.debuglevel = 2  # so that connecting is logged too
    s = smtplib.SMTP_SSL("127.0.0.1", tls_port, local_hostname="laptop.example", context=ctx)
    s.ehlo()
    s.esmtp_features["auth"] = "LOGIN"
    s.login("student", "secret")
    s.sendmail("student@example.test", ["bob@example.test", "nobody@example.test"],
               "Subject: two recipients\r\n\r\nOne of them does not exist.\r\n")
    s.quit()


def docmd_auth_login():
    """Level 1, AUTH LOGIN typed with docmd."""
    s = smtplib.SMTP("127.0.0.1", submission_port, local_hostname="laptop.example")
    s.set_debuglevel(1)
    s.ehlo()
    s.starttls(context=ctx)
    s.ehlo()
    s.docmd("AUTH LOGIN")
    s.docmd(base64.b64encode(b"student").decode())
    s.docmd(base64.b64encode(b"secret").decode())
    s.docmd("NOOP")
    s.quit()


def login_refused():
    """Level 1, a wrong password: the log ends in Python's traceback."""
    s = smtplib.SMTP("127.0.0.1", submission_port, local_hostname="laptop.example")
    s.set_debuglevel(1)
    s.ehlo()
    s.starttls(context=ctx)
    s.ehlo()
    s.esmtp_features["auth"] = "PLAIN"
    try:
        s.login("student", "wrong")
    except smtplib.SMTPAuthenticationError:
        traceback.print_exc()  # what an uncaught exception prints


for name, run in [("smtplib-submission-plain.log", submission_plain),
                  ("smtplib-ssl-login-debuglevel2.log", ssl_login_level2),
                  ("smtplib-docmd-auth-login.log", docmd_auth_login),
                  ("smtplib-login-refused.log", login_refused)]:
    with open(name, "w") as log, contextlib.redirect_stderr(log):
        run()
