"""Where one Coding Duo process's CPU goes at N streams (issue 22: profile first).

Starts the server as bench/run.py does (``duo``: python app.py on SQLite), loads it
with bench/sockclient.py, and during the client's measured window samples:
  * per-thread CPU (bench/thread_cpu.py's reading of /proc): the main loop against
    the stream threads and the scheduler;
  * py-spy (C frames too with ``--native``): the Python functions by their own
    samples, and by inclusive samples for the frames we own;
  * ``strace -c -f`` (where it may attach): system calls by count, per tick delivered.

    .venv/bin/python bench/profile.py --streams 2000 --seconds 15 [--out DIR]

Prints a summary and leaves the raw files (py-spy's collapsed stacks, strace's
table, the client's JSON) in DIR. The numbers are for reading, not for the table:
the samplers cost CPU of their own.
"""
from __future__ import annotations

import argparse
import collections
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import ROOT, Servers  # noqa: E402  (bench/ on the path, as when run as a script)


def sample_threads(pid: int, seconds: float) -> str:
    return subprocess.run([sys.executable, os.path.join(ROOT, "bench", "thread_cpu.py"), str(pid),
                           str(seconds)], capture_output=True, text=True).stdout


def py_spy(pid: int, seconds: float, out: str, native: bool) -> None:
    spy = shutil.which("py-spy") or os.path.join(os.path.dirname(sys.executable), "py-spy")
    cmd = [spy, "record", "--pid", str(pid), "--duration", str(int(seconds)), "--rate", "250",
           "--format", "raw", "--output", out, "--nonblocking"]
    subprocess.run(cmd + (["--native"] if native else []), capture_output=True)


def strace(pid: int, seconds: float, out: str) -> None:
    if not shutil.which("strace"):
        return
    proc = subprocess.Popen(["strace", "-c", "-f", "-p", str(pid), "-o", out],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(seconds)
    proc.send_signal(2)
    proc.wait(10)


def summarise_stacks(path: str, top: int = 25) -> str:
    """Own and inclusive samples per function from py-spy's collapsed stacks."""
    own, inclusive, total = collections.Counter(), collections.Counter(), 0
    try:
        lines = open(path).read().splitlines()
    except OSError:
        return "(no py-spy output)"
    for line in lines:
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = [f.split(" (")[0] + " (" + f.split(" (")[1].split(":")[0].rsplit("/", 1)[-1] + ")"
                  if " (" in f else f for f in stack.split(";")[1:]]  # the first is the thread
        if frames:
            own[frames[-1]] += n
        for frame in set(frames):
            inclusive[frame] += n
    rows = [f"{total} samples (threads busy, not idle)", "", "own samples:"]
    rows += [f"  {100 * n / total:5.1f} %  {name}" for name, n in own.most_common(top)]
    rows += ["", "inclusive samples:"]
    rows += [f"  {100 * n / total:5.1f} %  {name}" for name, n in inclusive.most_common(top)]
    return "\n".join(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--streams", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--native", action="store_true", help="py-spy --native (C frames too)")
    parser.add_argument("--out", default=tempfile.mkdtemp(prefix="duo-profile-"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    servers = Servers("duo", args.streams, args.out).start()
    pid = servers.procs[0].pid
    try:
        result = os.path.join(args.out, "client.json")
        client = subprocess.Popen(
            [sys.executable, os.path.join(ROOT, "bench", "sockclient.py"), "--url", servers.urls[0],
             "--streams", str(args.streams), "--measure", str(3 * args.seconds + 6), "--out", result],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        for line in client.stdout:
            if line.strip() == "measure-start":
                break
        time.sleep(1)
        report = {}
        # One sampler at a time: each costs CPU, and two would blur each other.
        report["threads"] = sample_threads(pid, args.seconds)
        stacks = os.path.join(args.out, "py-spy.txt")
        py_spy(pid, args.seconds, stacks, args.native)
        table = os.path.join(args.out, "strace.txt")
        strace(pid, args.seconds, table)
        threading.Thread(target=client.stdout.read, daemon=True).start()
        client.wait()
    finally:
        servers.stop()
    print(f"== {args.streams} streams; raw files in {args.out}")
    print("\n== threads\n" + report["threads"])
    print("== py-spy\n" + summarise_stacks(stacks))
    if os.path.exists(table):
        print("\n== strace -c -f (first lines)\n" + "".join(open(table).readlines()[:22]))


if __name__ == "__main__":
    main()
