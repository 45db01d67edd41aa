#!/usr/bin/python3
"""Memory of one process that another does not share (issue 14's station
figure): the resident pages of PID that are not also resident in any of
the processes BASE... (compared by physical page, /proc/PID/pagemap: needs
root), in KiB, by mapping. Without the physical page numbers (not root),
prints PID's USS (Private_Clean + Private_Dirty from smaps_rollup) instead,
which counts a page shared with the base as its own only if no one else
maps it either.

    unshared.py PID BASE_PID... -> "unshared KIB pagemap" or "unshared KIB uss"
    with -v, the largest mappings of the unshared pages on stderr

    unshared.py --watch PID NAME SECONDS: samples, as often as it can,
    PID's VmRSS plus the unshared pages of its child named NAME, from the
    child's start to its end (or SECONDS); prints the largest sum:
    "station KIB base KIB child KIB pagemap|uss samples N"
"""
import os
import struct
import sys
import time

PAGE = 4096


def resident(pid):
    """{pfn: mapping name} of pid's resident pages; None without PFNs."""
    out = {}
    with open("/proc/%d/maps" % pid) as maps, open("/proc/%d/pagemap" % pid, "rb") as pm:
        for line in maps:
            f = line.split()
            lo, hi = (int(x, 16) for x in f[0].split("-"))
            name = f[5].rsplit("/", 1)[-1] if len(f) >= 6 else "[anon]"
            if name == "[vsyscall]":
                continue
            pm.seek(lo // PAGE * 8)
            data = pm.read((hi - lo) // PAGE * 8)
            for (e,) in struct.iter_unpack("<Q", data):
                if e >> 63:
                    pfn = e & ((1 << 55) - 1)
                    if pfn == 0:
                        return None
                    out[pfn] = name
    return out


def uss(pid):
    n = 0
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            if line.startswith(("Private_Clean:", "Private_Dirty:")):
                n += int(line.split()[1])
    return n


def unshared(pid, bases):
    """(KiB, "pagemap" | "uss", {mapping: KiB})"""
    try:
        mine = resident(pid)
        seen = set()
        for b in bases:
            r = resident(b)
            if r is None:
                mine = None
                break
            seen.update(r)
    except (OSError, ValueError):
        mine = None
    if mine is None:
        return uss(pid), "uss", {}
    by = {}
    n = 0
    for pfn, name in mine.items():
        if pfn not in seen:
            by[name] = by.get(name, 0) + PAGE // 1024
            n += 1
    return n * PAGE // 1024, "pagemap", by


def status(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def child(pid, name):
    for task in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/children" % (pid, task)) as f:
                kids = f.read().split()
        except OSError:
            continue
        for k in kids:
            try:
                with open("/proc/%s/comm" % k) as f:
                    if f.read().strip() == name:
                        return int(k)
            except OSError:
                pass
    return None


def watch(pid, name, secs):
    end = time.time() + secs
    best = (0, 0, 0, "uss")
    samples = 0
    seen = False
    while time.time() < end:
        c = child(pid, name)
        if c is None:
            if seen:
                break
            time.sleep(0.005)
            continue
        seen = True
        try:
            u, how, _ = unshared(c, [pid])
            base = status(pid, "VmRSS")
            status(c, "VmRSS")  # still there: the sample is of a live child
        except (OSError, ValueError):
            continue
        samples += 1
        if base + u > best[0]:
            best = (base + u, base, u, how)
    print("station %d base %d child %d %s samples %d" % (best + (samples,)))


def main():
    if sys.argv[1:2] == ["--watch"]:
        watch(int(sys.argv[2]), sys.argv[3], float(sys.argv[4]))
        return
    args = [a for a in sys.argv[1:] if a != "-v"]
    verbose = "-v" in sys.argv
    pid, bases = int(args[0]), [int(a) for a in args[1:]]
    n, how, by = unshared(pid, bases)
    print("unshared %d %s" % (n, how))
    if verbose and by:
        top = sorted(by.items(), key=lambda kv: -kv[1])
        sys.stderr.write(", ".join("%s %d" % kv for kv in top[:24]) + "\n")


main()
