#!/usr/bin/python3
"""Helpers for start.sh (run with Debian's /usr/bin/python3).

  peerutil.py freeports N
      Print N distinct free TCP ports on 127.0.0.1, one per line (all N sockets
      are bound at once, then released; the caller retries if one is taken later).
  peerutil.py wait PORT [--tls] [--timeout S] [--pid PID] [--expect +OK]
      Poll 127.0.0.1:PORT until the server sends a 220 (or --expect) greeting (over implicit
      TLS with --tls, certificate not verified), then send QUIT. Exit 0 on
      success, 1 on timeout, 2 if PID (when given) has died meanwhile.
"""
import argparse
import os
import socket
import ssl
import sys
import time


def freeports(n):
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        for s in socks:
            print(s.getsockname()[1])
    finally:
        for s in socks:
            s.close()


def greeting(port, use_tls):
    with socket.create_connection(("127.0.0.1", port), timeout=3) as raw:
        sock = raw
        if use_tls:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            sock = ctx.wrap_socket(raw, server_hostname="localhost")
        buf = b""
        while b"\n" not in buf:
            chunk = sock.recv(512)
            if not chunk:
                break
            buf += chunk
        try:
            sock.sendall(b"QUIT\r\n")
            sock.recv(512)
        except OSError:
            pass
        return buf.decode("utf-8", "replace").strip()


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie still answers kill(0); look at /proc
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def wait(port, use_tls, timeout, pid, expect="220"):
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if pid and not alive(pid):
            print(f"process {pid} exited before 127.0.0.1:{port} answered", file=sys.stderr)
            return 2
        try:
            line = greeting(port, use_tls)
            if line.startswith(expect):
                print(line)
                return 0
            last = line or "connection closed without greeting"
        except (OSError, ssl.SSLError) as e:
            last = str(e)
        time.sleep(0.1)
    print(f"timeout after {timeout}s waiting for {expect} on 127.0.0.1:{port}: {last}", file=sys.stderr)
    return 1


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    fp = sub.add_parser("freeports")
    fp.add_argument("n", type=int)
    wp = sub.add_parser("wait")
    wp.add_argument("port", type=int)
    wp.add_argument("--tls", action="store_true")
    wp.add_argument("--timeout", type=float, default=20)
    wp.add_argument("--pid", type=int)
    wp.add_argument("--expect", default="220", help="the greeting's start (POP3: +OK)")
    a = ap.parse_args()
    if a.cmd == "freeports":
        freeports(a.n)
        return 0
    return wait(a.port, a.tls, a.timeout, a.pid, a.expect)


if __name__ == "__main__":
    sys.exit(main())
