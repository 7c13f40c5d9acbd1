"""Where a server's CPU goes, by thread: sample /proc twice and print the difference.

    .venv/bin/python bench/thread_cpu.py PID [SECONDS]

py-spy (bench/requirements.txt) shows Python stacks, but with thousands of
threads it samples slowly and its GIL attribution around blocking calls is
unreliable. This answers the first question cheaply (Linux only): the main loop
(the thread whose id is the PID), the busiest other threads, user vs system time
and context switches per second. It is how the waitress main loop was found
using 36-44 % of a core at 2,000 streams (1.3 % with coding_duo/streams/serving.py).
"""
from __future__ import annotations

import os
import sys
import time


def sample(pid: int) -> dict[int, tuple[int, int, int]]:
    """thread id -> (user ticks, system ticks, context switches)."""
    found = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            switches = 0
            with open(f"/proc/{pid}/task/{tid}/status") as handle:
                for line in handle:
                    if "ctxt_switches" in line:
                        switches += int(line.split()[1])
            found[int(tid)] = (int(fields[11]), int(fields[12]), switches)
        except (OSError, IndexError, ValueError):
            pass  # the thread ended meanwhile
    return found


def main() -> None:
    pid = int(sys.argv[1])
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 10
    before = sample(pid)
    time.sleep(seconds)
    after = sample(pid)
    hz = os.sysconf("SC_CLK_TCK")
    diff = {tid: tuple(b - a for a, b in zip(before[tid], now))
            for tid, now in after.items() if tid in before}

    def pct(ticks: int) -> str:
        return f"{100 * ticks / hz / seconds:.1f} %"
    user = sum(d[0] for d in diff.values())
    system = sum(d[1] for d in diff.values())
    switches = sum(d[2] for d in diff.values())
    print(f"{len(diff)} threads: user {pct(user)}, system {pct(system)} of one core; "
          f"{switches / seconds:.0f} context switches/s")
    main_thread = diff.get(pid, (0, 0, 0))
    print(f"main thread (waitress's loop): {pct(main_thread[0] + main_thread[1])}")
    busiest = sorted(diff.items(), key=lambda item: -(item[1][0] + item[1][1]))[:8]
    for tid, (u, s, _) in busiest:
        print(f"  thread {tid}: {pct(u + s)}")


if __name__ == "__main__":
    main()
