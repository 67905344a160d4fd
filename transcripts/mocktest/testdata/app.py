"""The app under test: it mails a weekly report with smtplib.

python3 app.py HOST PORT CAFILE [--to ADDR] [--subject TEXT] [--retries N]
The submission password comes from $APP_SMTP_PASSWORD.
"""
import argparse, email.utils, os, smtplib, ssl, sys


def send_once(args):
    with smtplib.SMTP(args.host, args.port, local_hostname="localhost", timeout=10) as s:
        s.ehlo()
        if s.has_extn("starttls"):
            s.starttls(context=ssl.create_default_context(cafile=args.cafile))
            s.ehlo()
        if s.has_extn("auth"):
            s.login("reports", os.environ["APP_SMTP_PASSWORD"])
        s.sendmail("reports@app.example", [args.to],
                   "From: Reports <reports@app.example>\r\n"
                   f"To: {args.to}\r\n"
                   f"Subject: {args.subject}\r\n"
                   f"Date: {email.utils.formatdate()}\r\n"
                   f"Message-Id: <{os.getpid():x}@app.example>\r\n"
                   "\r\n"
                   "Hello Alice,\r\n\r\n"
                   "You sent 42 messages this week.\r\n")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("host"), p.add_argument("port", type=int), p.add_argument("cafile")
    p.add_argument("--to", default="alice@customer.example")
    p.add_argument("--subject", default="Your weekly report")
    p.add_argument("--retries", type=int, default=1)
    args = p.parse_args()
    for attempt in range(args.retries + 1):
        try:
            return send_once(args)
        except smtplib.SMTPRecipientsRefused as e:
            code = min(c for c, _ in e.recipients.values())
        except smtplib.SMTPResponseException as e:
            code = e.smtp_code
        if code // 100 != 4 or attempt == args.retries:
            sys.exit(f"app: the server said {code}")


main()
