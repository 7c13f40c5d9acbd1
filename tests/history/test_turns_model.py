"""Turns recorded exactly: a model of what happened (who drove, when each command was
sent and answered, the deadlines the server gave) against the history the server
recorded. Short turns (HISTORY_TEST_TURN_MS, 1.5 s), a pause inside the first, a new
length while the second runs, a time-up while the server is down (SIGKILL, restart:
recorded once, on its true deadline), a swap mid-turn and a completion. Every time
the server recorded lies within 50 ms of the moment the model says; a time-up's
turn ran exactly its planned length and ended exactly on its deadline. A screen's
timeline (the stream's `history`, then each `history-change`) ends on the report's."""
from __future__ import annotations

import os
import time

from databases import redis_env
from suite_env import FAST_ENV, TEST_REDIS
from screens import history_shown
from support import Api, ServerProcess, stream

TURN_MS = int(os.environ.get("HISTORY_TEST_TURN_MS", "1500"))
SLACK_MS = 50
JSON = {"Content-Type": "application/json"}


def now_ms() -> float:
    return time.time() * 1000


class Clocked:
    """Each command with the window in which the server decided it: [sent, answered]."""

    def __init__(self, api: Api):
        self.api = api

    def __call__(self, method, path, body=None):
        sent = now_ms()
        response = self.api.call(method, path, body, headers=JSON)
        answered = now_ms()
        assert response.status_code < 300, (path, response.status_code, response.text)
        return sent, answered


MIDDLE = []  # how far each recorded time was from the middle of its window, for the notes


def within(value, window, what):
    low, high = window
    assert low - SLACK_MS <= value <= high + SLACK_MS, f"{what}: {value} not within {SLACK_MS} ms of {window}"
    MIDDLE.append(abs(value - (low + high) / 2))
    return max(0.0, low - value, value - high)


def span(first, second):
    """The length between two commands' moments: [least, most]."""
    return second[0] - first[1], second[1] - first[0]


def report(api, code):
    response = api.call("GET", f"/api/{code}/report")
    assert response.status_code == 200, response.text
    return response.json()


def deadline(api, code):
    timer = report(api, code)["room"]["timer"]
    assert timer["status"] == "RUNNING", timer
    return timer["endsAt"]


def wait_turns(api, code, count, timeout=8):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        data = report(api, code)
        if len(data["turns"]) >= count and all(t["endedAt"] for t in data["turns"][:count]):
            return data
        time.sleep(0.05)
    raise AssertionError(f"not {count} ended turns: {report(api, code)['turns']}")


def test_the_history_matches_a_model_of_what_happened(database_url_for):
    env = {**FAST_ENV, **(redis_env() if TEST_REDIS else {})}
    db_url = database_url_for("history-model")
    first = ServerProcess(db_url, env).start()
    api = Api(first.url)
    at = Clocked(api)
    code = api.create_room(TURN_MS)
    model, worst = [], 0.0
    started = time.monotonic()
    client = stream(first.url, code)
    second = None
    try:
        client.wait_event("history")
        # Turn 1, Ann drives: paused for a while in the middle; it times up.
        s1 = at("PATCH", f"/api/{code}/timer/start")
        time.sleep(0.4)
        p1 = at("PATCH", f"/api/{code}/timer/stop")
        time.sleep(0.3)
        r1 = at("PATCH", f"/api/{code}/timer/start")
        end1 = deadline(api, code)
        model.append(dict(driver="Ann", navigator="Bob", started=s1, planned=(TURN_MS, TURN_MS),
                          paused=span(p1, r1), ended="time-up", end=end1))
        wait_turns(api, code, 1)
        # Turn 2, Bob drives: a new length while it runs (1.5 s from now, of a 2 s turn).
        s2 = at("PATCH", f"/api/{code}/timer/start")
        time.sleep(0.3)
        longer = TURN_MS + 500
        u2 = at("PATCH", f"/api/{code}/timer", {"duration": longer, "remainingTime": TURN_MS})
        end2 = deadline(api, code)
        ran = span(s2, u2)
        model.append(dict(driver="Bob", navigator="Ann", started=s2,
                          planned=(ran[0] + TURN_MS, ran[1] + TURN_MS), paused=(0, 0),
                          ended="time-up", end=end2))
        wait_turns(api, code, 2)
        # Turn 3, Ann drives: the server is killed mid-turn and is still down at its deadline.
        s3 = at("PATCH", f"/api/{code}/timer/start")
        end3 = deadline(api, code)
        time.sleep(0.3)
        first.kill()
        client.close()
        time.sleep(max(0.0, (end3 - now_ms()) / 1000) + 0.7)
        second = ServerProcess(db_url, env, port=first.port).start()
        model.append(dict(driver="Ann", navigator="Bob", started=s3, planned=(longer, longer),
                          paused=(0, 0), ended="time-up", end=end3))
        after = stream(second.url, code)
        after.wait_event("history")
        wait_turns(api, code, 3)
        # Turn 4, Bob drives, handed over by a swap; turn 5 (Ann) goes on at once and
        # ends with the room's completion.
        s4 = at("PATCH", f"/api/{code}/timer/start")
        time.sleep(0.3)
        w4 = at("PATCH", f"/api/pair-room/{code}/pair-swap", {"intent": "new"})
        time.sleep(0.2)
        c5 = at("PATCH", f"/api/pair-room/{code}/status", {"status": "COMPLETED"})
        model.append(dict(driver="Bob", navigator="Ann", started=s4, planned=(longer, longer),
                          paused=(0, 0), ended="skipped", end=w4))
        ran = span(s4, w4)
        model.append(dict(driver="Ann", navigator="Bob", started=w4,
                          planned=(longer - ran[1], longer - ran[0]), paused=(0, 0),
                          ended="completed", end=c5))
        data = wait_turns(api, code, 5)
        after.wait_for(lambda ev: any(e.event == "room" and e.json()["status"] == "COMPLETED" for e in ev))
        shown = history_shown(after.events)
        after.close()
    finally:
        client.close()
        first.stop()
        if second is not None:
            second.stop()

    turns = data["turns"]
    assert [t["number"] for t in turns] == [1, 2, 3, 4, 5]  # each once: none lost, none twice
    assert data["breaks"] == [] and data["room"]["turnsCompleted"] == 3
    for turn, want in zip(turns, model):
        where = f"turn {turn['number']}"
        assert (turn["driver"], turn["navigator"], turn["roster"], turn["ended"]) == \
            (want["driver"], want["navigator"], [want["driver"], want["navigator"]], want["ended"]), where
        worst = max(worst, within(turn["startedAt"], want["started"], where + " started"))
        worst = max(worst, within(turn["plannedMs"], want["planned"], where + " planned"))
        worst = max(worst, within(turn["pausedMs"], want["paused"], where + " paused"))
        assert turn["endedAt"] - turn["startedAt"] - turn["pausedMs"] == turn["actualMs"], where
        if want["ended"] == "time-up":  # on the deadline the server gave, to the millisecond
            assert turn["endedAt"] == want["end"], where
            assert turn["actualMs"] == turn["plannedMs"], where
        else:
            worst = max(worst, within(turn["endedAt"], want["end"], where + " ended"))
    # Turn 3 ended while nobody was up, on its deadline; the server came back later.
    assert turns[2]["endedAt"] == end3 < now_ms()
    # The screen that opened after the restart shows the report's timeline.
    assert [{k: v for k, v in item.items()} for item in shown] == turns
    print(f"\n5 turns as modelled: worst {worst:.0f} ms outside a command's window, "
          f"{max(MIDDLE):.1f} ms from a window's middle ({time.monotonic() - started:.1f} s)")
