"""Writes the inputs of .ci/bench.sh: smtprepl scripts and, for nc, the raw
SMTP byte stream of the same 20 MiB message (already dot-stuffed, CRLF)."""
import os
import sys

work = sys.argv[1]
line = "x" * 78
head = ["EHLO bench.example", "MAIL FROM:<bob@example.test>", "RCPT TO:<alice@example.test>", "DATA"]


def body(nbytes):
    lines = ["Subject: bench", ""]
    size = 0
    while size < nbytes:
        lines.append(line)
        size += len(line) + 2
    return lines


def write(name, lines, sep="\n"):
    with open(os.path.join(work, name), "w") as f:
        f.write(sep.join(lines) + sep)


big = body(20 * 1024 * 1024)
write("big.script", head + big + [".", "QUIT"])
write("big.raw", head + big + [".", "QUIT"], sep="\r\n")
write("huge.script", head + body(100 * 1024 * 1024) + [".", "QUIT"])
write("one.script", head + ["Subject: one", "", "hello", ".", "QUIT"])
many = ["EHLO bench.example"]
for i in range(1000):
    many += head[1:] + ["Subject: %d" % i, "", "hello", "."]
write("many.script", many + ["QUIT"])
