"""Faults on purpose, against a checker: two app processes on PostgreSQL + Redis
(a database and a redis-server of the run's own), rooms with short turns and
2-3 screens each spread over both processes (reconnecting as EventSource does),
a random workload of commands on both processes, and a fault schedule drawn
from the seed. The checker (bench/chaos_check.py) then reads every event every
screen received and the database, prints a table and exits non-zero on any
violation.

    .venv/bin/python bench/chaos.py --seconds 90 --seed 1     # scripts/test, round 2
    .venv/bin/python bench/chaos.py --minutes 30 --seed 7     # the long one

Faults: SIGKILL or SIGTERM of either process (restarted on its port), Redis
killed and restarted or pausing writes, PostgreSQL connections terminated
(pg_terminate_backend), the database link of process A (through a TCP proxy)
stalled or cut, screens dropped with a reset. Screens dropped without FIN (a
network namespace) are not done here: that needs root.
"""
from __future__ import annotations

import argparse
import gc
import os
import random
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(ROOT, "tests"), os.path.join(ROOT, "bench")]

from chaos_check import Report, check_run  # noqa: E402
from chaos_faults import Cluster  # noqa: E402
from chaos_work import TodoModel, command, differences, screen_view  # noqa: E402
from support import Api  # noqa: E402

CYCLE_S = 9.0  # the longest cycle without a convergence failure
CONVERGE_S = 8.0  # after a fault heals and the workload pauses: every screen on the truth
FAULTS = ["kill-a", "kill-b", "term-a", "term-b", "redis-kill", "redis-pause",
          "pg-terminate", "db-stall", "db-cut", "screen-reset"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=90)
    parser.add_argument("--minutes", type=float, default=None)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rooms", type=int, default=12,
                        help="rooms (the servers have 8 lock stripes: many rooms share one)")
    parser.add_argument("--dump", default=None, help="write the events of rooms with a violation here")
    parser.add_argument("--logs", default=None,
                        help="keep the servers' logs here (on a violation they are kept "
                             "anyway, in a new temporary directory)")
    parser.add_argument("--workers", type=int, default=3, help="threads sending commands")
    parser.add_argument("--late-ms", type=float, default=100, help="tick bound outside faults")
    parser.add_argument("--fault-late-ms", type=float, default=1000, help="tick bound in faults")
    args = parser.parse_args(argv)
    seconds = args.minutes * 60 if args.minutes else args.seconds
    rng = random.Random(args.seed)
    args.began = time.monotonic()  # the budget counts starting the cluster too
    with tempfile.TemporaryDirectory(prefix="chaos-") as tmp, Cluster(tmp) as cluster:
        return run(cluster, rng, seconds, args)


def run(cluster, rng, seconds, args) -> int:
    started = time.monotonic()
    rooms = {}
    for n in range(args.rooms):
        code = Api(cluster.url(n % 2)).create_room(rng.randint(2, 5) * 1000)
        rooms[code] = [cluster.screen(code, (n + i) % 2, f"{n}.{i}")
                       for i in range(rng.randint(2, 3))]
    answers, todos = [], TodoModel(rooms)
    faults, windows, convergence, report = Counter(), [], [], Report()
    stop_work = threading.Event()
    counter = iter(range(10**9))

    def work(worker):
        local = random.Random(rng.random())
        while not stop_work.is_set():
            code = local.choice(list(rooms))
            process = local.randrange(2)
            sent = time.time()
            what, status = command(cluster, local, code, process, next(counter), todos)
            answers.append((sent, time.time(), f"{what} on {'AB'[process]} room {code}", status))
            time.sleep(local.uniform(0.05, 0.3))

    cycle = 0
    # A cycle takes 3-9 s and the checks at the end a few more: none starts that
    # could not end within the budget (scripts/test's 90 s run stays near 90 s).
    while cycle == 0 or time.monotonic() - args.began + CYCLE_S < seconds:
        cycle += 1
        stop_work.clear()
        workers = [threading.Thread(target=work, args=(i,), daemon=True)
                   for i in range(args.workers)]
        for worker in workers:
            worker.start()
        time.sleep(rng.uniform(1, 3))
        kind = rng.choice(FAULTS)
        faults[kind] += 1
        began = time.time()
        cluster.inject(kind, rng, rooms)
        windows.append((began - 0.5, time.time() + 3.0, kind))
        time.sleep(rng.uniform(1, 3))
        stop_work.set()
        for worker in workers:
            worker.join(15)
        quiet = time.monotonic()
        ok, took, diffs = converged(cluster, rooms)
        convergence.append(took)
        print(f"cycle {cycle}: {kind:<13} converged {'yes' if ok else 'NO'} in {took:.2f} s",
              flush=True)
        for room, screen, diff in diffs:
            report.add("no-converge", room, screen, f"cycle {cycle} ({kind}): {diff}")
        for code in rooms:
            todos.check(code, cluster.truth(code)["todos"], report.add)
        # The checker keeps every event every screen received (150,000 in 30 minutes): a
        # full collection over them all holds the screens' reader threads for 100 ms or
        # more, and their arrival times then look like server lag (two screens on two
        # processes, 135 ms late at the same instant). What is kept so far is left out of
        # later collections.
        gc.freeze()
        if time.monotonic() - quiet < 0.5:
            time.sleep(0.5)
    # What the screens saw is taken before the database's last state: the timers run
    # on, and a time-up landing between the two would otherwise be a turn the screens
    # saw end that the database "had not recorded" (a CI run's one violation).
    screens = [(code, s.name, s.segments()) for code, ss in rooms.items() for s in ss]
    state = {code: cluster.truth(code) for code in rooms}
    for code in rooms:
        todos.check(code, state[code]["todos"], report.add)
    check_run(report, screens, state, answers, windows, args.late_ms, args.fault_late_ms)
    print_table(args, seconds, faults, state, answers, report, convergence)
    if args.dump and report.violations:
        dump(args.dump, rooms, report, answers, windows)
    if args.logs or report.violations:
        keep_logs(cluster.tmp, args.logs)
    return 1 if report.violations else 0


def keep_logs(tmp, where) -> None:
    """The servers' logs (each across its restarts) outlive the run."""
    where = where or tempfile.mkdtemp(prefix="chaos-logs-")
    os.makedirs(where, exist_ok=True)
    for root, _, names in os.walk(tmp):
        for name in names:
            if name.endswith(".log"):
                shutil.copy(os.path.join(root, name), os.path.join(where, name))
    print(f"the servers' logs: {where}")


def converged(cluster, rooms):
    """Wait up to CONVERGE_S for every screen to show its room's database state
    (timer status, duration, remaining, deadline, roles, lists, presence)."""
    begun = time.monotonic()
    while True:
        diffs = []
        for code, screens in rooms.items():
            want = cluster.truth(code)
            live = sum(screen.live for screen in screens)
            for screen in screens:
                diff = differences(screen_view(screen.live_events()), want, live)
                if diff:
                    diffs.append((code, screen.name, diff))
        took = time.monotonic() - begun
        if not diffs or took > CONVERGE_S:
            return not diffs, took, diffs
        time.sleep(0.05)


def dump(path, rooms, report, answers, windows) -> None:
    """Every event of the rooms with a violation, the answers and the fault windows."""
    import json
    bad = {v.room for v in report.violations}
    data = {"windows": windows, "answers": [a for a in answers if any(r in a[2] for r in bad)],
            "screens": {f"{code} {s.name}": [[(e.at, e.event, e.data) for e in seg]
                                             for seg in s.segments()]
                        for code, ss in rooms.items() if code in bad for s in ss}}
    with open(path, "w") as out:
        json.dump(data, out)
    print(f"events of the rooms with violations: {path}")


def print_table(args, seconds, faults, state, answers, report, convergence) -> None:
    statuses = Counter("none" if s is None else f"{s // 100}xx" if s != 503 else "503"
                       for _, _, _, s in answers)
    print()
    print(f"chaos run: seed {args.seed}, {seconds:.0f} s, {len(state)} rooms, "
          f"{args.workers} workers, 8 lock stripes; load average {os.getloadavg()[0]:.1f}")
    print("| what | count |")
    print("|---|---|")
    for kind in FAULTS:
        print(f"| fault: {kind} | {faults.get(kind, 0)} |")
    print(f"| turns recorded (time-ups in the database) | "
          f"{sum(s['turnsCompleted'] for s in state.values())} |")
    print(f"| time-ups seen by screens | {report.time_ups_seen} |")
    print(f"| commands | {len(answers)} ({', '.join(f'{k} {v}' for k, v in sorted(statuses.items()))}) |")
    print(f"| events checked | {report.events_checked} (ticks {report.ticks_checked}) |")
    print(f"| worst tick lateness outside / in faults | {report.worst_late_outside_ms:.0f} ms / "
          f"{report.worst_late_ms:.0f} ms |")
    for what, values in (("ticks", report.late_outside), ('time-ups\' "0"', report.late_zero_outside)):
        print(f"| {what} outside faults: lateness median / p99 / worst | {spread(values)} |")
    print(f"| convergence after a fault, worst (bound {CONVERGE_S:.0f} s) | "
          f"{max(convergence or [0]):.2f} s |")
    kinds = Counter(v.kind for v in report.violations)
    print(f"| violations | {len(report.violations)}"
          f"{' (' + ', '.join(f'{k} {n}' for k, n in sorted(kinds.items())) + ')' if kinds else ''} |")
    for violation in report.violations:
        print("  " + violation.line())


def spread(values) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"{ordered[len(ordered) // 2]:.0f} / {p99:.0f} / {ordered[-1]:.0f} ms ({len(ordered)})"


if __name__ == "__main__":
    sys.exit(main())
