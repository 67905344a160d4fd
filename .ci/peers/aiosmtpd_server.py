#!/usr/bin/python3
"""aiosmtpd peer for smtprepl interop tests (run with Debian's /usr/bin/python3).

Listens on 127.0.0.1:PORT with STARTTLS, AUTH PLAIN/LOGIN (also before TLS),
SIZE 10485760 and SMTPUTF8. Recipient policy (handler-defined texts):
  local user @example.test            -> 250 OK
  unknown user @example.test          -> 550 5.1.1 <addr>: Recipient address rejected: User unknown
  any other domain, not authenticated -> 554 5.7.1 <addr>: Relay access denied
  any other domain, authenticated     -> 250 OK (stored under MAILDIR/_relayed/)
Each accepted message is stored once per recipient, Maildir style
(written to tmp/, renamed into new/): MAILDIR/example.test/<user>/new/<name>.
The file holds envelope.original_content: the exact bytes aiosmtpd delivered
(after dot-unstuffing, CRLF line ends kept, no headers added). A JSON sidecar
with the envelope goes to MAILDIR/envelopes/<name>.json.
"""
import argparse
import itertools
import json
import os
import signal
import socket
import ssl
import sys
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

LOCAL_DOMAIN = "example.test"
DEFAULT_USERS = "alice,bob,carol,postmaster,student,a,b"


class Handler:
    def __init__(self, maildir, users):
        self.maildir = maildir
        self.users = users
        self.counter = itertools.count(1)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local, sep, domain = address.rpartition("@")
        if sep and domain.lower() == LOCAL_DOMAIN:
            if local.lower() not in self.users:
                return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        elif not session.authenticated:
            return f"554 5.7.1 <{address}>: Relay access denied"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    def _deliver(self, folder, name, data):
        for sub in ("tmp", "new", "cur"):
            os.makedirs(os.path.join(folder, sub), exist_ok=True)
        tmp = os.path.join(folder, "tmp", name)
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.rename(tmp, os.path.join(folder, "new", name))

    async def handle_DATA(self, server, session, envelope):
        data = envelope.original_content
        if data is None:
            data = envelope.content if isinstance(envelope.content, bytes) else b""
        name = f"{time.time():.6f}.{os.getpid()}_{next(self.counter)}.aiosmtpd"
        for rcpt in envelope.rcpt_tos:
            local, _, domain = rcpt.rpartition("@")
            if domain.lower() == LOCAL_DOMAIN:
                folder = os.path.join(self.maildir, LOCAL_DOMAIN, local.lower())
            else:
                folder = os.path.join(self.maildir, "_relayed")
            self._deliver(folder, name, data)
        env = {
            "mail_from": envelope.mail_from,
            "mail_options": envelope.mail_options,
            "rcpt_tos": envelope.rcpt_tos,
            "rcpt_options": envelope.rcpt_options,
            "peer": list(session.peer) if session.peer else None,
            "host_name": session.host_name,
            "authenticated": bool(session.authenticated),
            "tls": session.ssl is not None,
            "size": len(data),
            "file": name,
        }
        os.makedirs(os.path.join(self.maildir, "envelopes"), exist_ok=True)
        with open(os.path.join(self.maildir, "envelopes", name + ".json"), "w") as f:
            json.dump(env, f, indent=1)
        return "250 OK"


def make_authenticator(user, password):
    logins = {user.encode(), f"{user}@{LOCAL_DOMAIN}".encode()}

    def authenticator(server, session, envelope, mechanism, auth_data):
        if (
            isinstance(auth_data, LoginPassword)
            and auth_data.login in logins
            and auth_data.password == password.encode()
        ):
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    return authenticator


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--maildir", required=True)
    ap.add_argument("--hostname", default="aiosmtpd.example.test")
    ap.add_argument("--user", default="student")
    ap.add_argument("--password", default="secret")
    ap.add_argument("--users", default=DEFAULT_USERS, help="comma-separated local parts of example.test")
    ap.add_argument("--data-size-limit", type=int, default=10485760)
    ap.add_argument("--pidfile")
    args = ap.parse_args()

    os.makedirs(args.maildir, exist_ok=True)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(args.cert, args.key)

    # Fail at once if the port is taken (Controller.start() would only give up after its
    # ready timeout); start.sh then retries with another port.
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        probe.bind((args.host, args.port))
    except OSError as e:
        sys.exit(f"aiosmtpd_server: cannot bind {args.host}:{args.port}: {e.strerror} (errno {e.errno})")
    finally:
        probe.close()

    users = {u.strip().lower() for u in args.users.split(",") if u.strip()}
    controller = Controller(
        Handler(args.maildir, users),
        hostname=args.host,
        port=args.port,
        server_hostname=args.hostname,
        authenticator=make_authenticator(args.user, args.password),
        auth_require_tls=False,
        tls_context=ctx,
        data_size_limit=args.data_size_limit,
        enable_SMTPUTF8=True,
    )
    controller.start()
    if args.pidfile:
        with open(args.pidfile, "w") as f:
            f.write(f"{os.getpid()}\n")
    print(f"aiosmtpd_server: listening on {args.host}:{args.port}", flush=True)

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    controller.stop()
    print("aiosmtpd_server: stopped", flush=True)


if __name__ == "__main__":
    main()
