"""Two app processes on one PostgreSQL schema and Redis: rooms with 1-second turns,
screens on both processes (both tick, both reach each time-up), starts and then
commands from both at once around every time-up (pause, start, swap, skip, a new
length, a break). However the races fall, each turn is recorded once: the history
has one turn per time-up the room counted, no two turns overlap, at most the last
is open, a time-up's turn ran exactly its planned length, and every screen on both
processes ends on the database's history."""
from __future__ import annotations

import random
import time
from concurrent.futures import ThreadPoolExecutor

from coding_duo.history.models import ENDINGS
from suite_env import round_2_only
from screens import history_shown
from support import Api, stream

pytestmark = round_2_only()

ROUNDS = 10
JSON = {"Content-Type": "application/json"}


def command(api: Api, code: str, rng: random.Random):
    choice = rng.randrange(7)
    if choice == 0:
        return api.stop(code)
    if choice == 1:
        return api.start(code)
    if choice == 2:
        return api.call("PATCH", f"/api/pair-room/{code}/pair-swap", headers=JSON)  # coduo's
    if choice == 3:
        return api.call("PATCH", f"/api/pair-room/{code}/rotate", headers=JSON)
    if choice == 4:
        return api.call("PATCH", f"/api/{code}/timer", {"duration": 1_000, "remainingTime": 600})
    if choice == 5:
        return api.call("PATCH", f"/api/pair-room/{code}/break/start", {"duration": 1_000})
    return api.call("PATCH", f"/api/pair-room/{code}/pair-swap", {"intent": "new"})


def check_history(data: dict, code: str) -> int:
    timeline = sorted(data["turns"] + data["breaks"], key=lambda t: t["id"])
    for kind in ("turn", "break"):
        numbers = [t["number"] for t in timeline if t["kind"] == kind]
        assert numbers == list(range(1, len(numbers) + 1)), (code, kind, numbers)
    assert all(t["endedAt"] is not None for t in timeline[:-1]), code
    for earlier, later in zip(timeline, timeline[1:]):
        assert later["startedAt"] >= earlier["endedAt"], (code, earlier, later)  # no overlap
    for t in timeline:
        assert t["ended"] in ENDINGS or (t["ended"] is None and t is timeline[-1]), (code, t)
        if t["endedAt"] is not None:
            assert t["endedAt"] - t["startedAt"] - t["pausedMs"] == t["actualMs"] >= 0, (code, t)
        if t["ended"] == "time-up":
            assert t["actualMs"] == t["plannedMs"], (code, t)
    time_ups = sum(1 for t in data["turns"] if t["ended"] == "time-up")
    assert time_ups == data["room"]["turnsCompleted"], (code, time_ups, data["room"]["turnsCompleted"])
    return time_ups


def test_concurrent_time_ups_and_commands_record_each_turn_once(pair_of_servers):
    a, b = pair_of_servers
    apis = [Api(a.url), Api(b.url)]
    rooms = [apis[0].create_room(1_000),
             apis[1].call("POST", "/api/pair-room", {"members": ["Ann", "Bob", "Cy"],
                                                     "timerDuration": 1_000}).json()["accessCode"],
             apis[0].create_room(1_000)]
    apis[1].call("PUT", f"/api/pair-room/{rooms[2]}/breaks", {"every": 2, "duration": 1_000})
    screens = {code: [stream(a.url, code), stream(b.url, code)] for code in rooms}
    rng = random.Random(20)
    started = time.monotonic()
    try:
        for clients in screens.values():
            for client in clients:
                client.wait_event("history")
        with ThreadPoolExecutor(12) as pool:
            for step in range(ROUNDS):
                # Starts from both processes at once; the time-up comes about a second on.
                list(pool.map(lambda job: apis[job % 2].start(rooms[job // 4]), range(12)))
                time.sleep(0.85 + rng.random() * 0.3)
                jobs = [(apis[i % 2], code, random.Random(step * 100 + i))
                        for i, code in enumerate(rooms * 2)]
                list(pool.map(lambda job: command(*job), jobs))
                time.sleep(1.3)
        time.sleep(1.5)  # what still ran times up; the last batches reach every screen
        reports = {code: apis[0].call("GET", f"/api/{code}/report").json() for code in rooms}
        shown = {code: [history_shown(c.events) for c in clients] for code, clients in screens.items()}
        stops = {code: [len([e for e in c.named("timer") if e.data == "stop"]) for c in clients]
                 for code, clients in screens.items()}
    finally:
        for clients in screens.values():
            for client in clients:
                client.close()
    total = 0
    for code, data in reports.items():
        time_ups = check_history(data, code)
        total += time_ups
        breaks_up = sum(1 for t in data["breaks"] if t["ended"] == "time-up")
        # Each screen heard each time-up once; the history has each one once.
        assert stops[code] == [time_ups + breaks_up] * 2, (code, stops[code], time_ups, breaks_up)
        timeline = sorted(data["turns"] + data["breaks"], key=lambda t: t["id"])
        for screen in shown[code]:  # every screen, on both processes, ends on the truth
            assert [t["id"] for t in screen] == [t["id"] for t in timeline], code
            assert [t for t in screen if t["endedAt"]] == [t for t in timeline if t["endedAt"]], code
    assert total >= ROUNDS  # the races left time-ups to count
    print(f"\n{sum(len(d['turns']) for d in reports.values())} turns, "
          f"{sum(len(d['breaks']) for d in reports.values())} breaks, {total} time-ups in "
          f"{len(rooms)} rooms over {ROUNDS} rounds ({time.monotonic() - started:.1f} s)")
