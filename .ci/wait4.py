#!/usr/bin/env python3
"""wait4.py RUNS COMMAND [ARG...] [--- COMMAND [ARG...]]...: run each
COMMAND RUNS times, taking turns so that a busy machine weighs on all of
them alike, output discarded, and print one line per command: the
medians of what the kernel accounted to the child, user+sys CPU ms
(wait4's rusage, every thread included) and wall ms from spawn to
reaped. A shell timer would add its own fork and exec, which on a slow
machine cost as much as a whole smtprepl session."""
import os
import statistics
import sys
import time

DEVNULL = [(os.POSIX_SPAWN_OPEN, fd, "/dev/null", flags, 0)
           for fd, flags in ((0, os.O_RDONLY), (1, os.O_WRONLY), (2, os.O_WRONLY))]


def once(argv):
    t0 = time.perf_counter()
    pid = os.posix_spawnp(argv[0], argv, os.environ, file_actions=DEVNULL)
    _, _, ru = os.wait4(pid, 0)
    wall = time.perf_counter() - t0
    return (ru.ru_utime + ru.ru_stime) * 1000, wall * 1000


def commands(args):
    cmds, cur = [], []
    for a in args:
        if a == "---":
            cmds.append(cur)
            cur = []
        else:
            cur.append(a)
    return cmds + [cur]


def main():
    runs, cmds = int(sys.argv[1]), commands(sys.argv[2:])
    for argv in cmds:
        once(argv)  # warm the page cache; not counted
    results = [[] for _ in cmds]
    for _ in range(runs):
        for i, argv in enumerate(cmds):
            results[i].append(once(argv))
    for res in results:
        cpu, wall = zip(*res)
        print(f"{statistics.median(cpu):.1f} {statistics.median(wall):.1f}")


if __name__ == "__main__":
    main()
