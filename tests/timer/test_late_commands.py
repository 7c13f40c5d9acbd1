"""A command that comes after the turn ran out but before the scheduler decided the
time-up (a few ms each turn; longer for a process that stalled or just restarted):
the time-up is decided first, as its own change, and the command applies to the turn
that follows. Found in review: a new length extended the turn that had ended, and a
swap rotated the roles, after which the time-up rotated them again (in a pair, the
same person drove twice).

The app runs in-process with a clock of the test's own (its scheduler is not
started: nothing decides the time-up but the command)."""
from __future__ import annotations

import time

import pytest
from flask_migrate import upgrade

from coding_duo import create_app

pytestmark = pytest.mark.once  # SQLite in-process, whatever the round (tests/conftest.py)

TURN_MS = 60_000
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def room(tmp_path):
    """(test client, code, clock): a room of Ann and Bob whose 60 s turn started at
    the clock's now; move ``clock[0]`` to let time pass."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'late.db'}",
                      "TESTING": True, "RATE_LIMITS_ENABLED": False})
    clock = [int(time.time() * 1000)]
    app.extensions["coding_duo"].timers.clock = lambda: clock[0]
    with app.app_context():
        upgrade()
    http = app.test_client()
    code = http.post("/api/pair-room", json={"driver": "Ann", "navigator": "Bob",
                                             "timerDuration": TURN_MS}).get_json()["accessCode"]
    assert http.patch(f"/api/{code}/timer/start").status_code == 204
    yield http, code, clock
    app.extensions["coding_duo"].shutdown()


def report(http, code) -> dict:
    return http.get(f"/api/{code}/report").get_json()


def roles(http, code) -> tuple:
    """(driver, navigator, turns completed, timer status), as the report gives them."""
    room = report(http, code)["room"]
    return room["driver"], room["navigator"], room["turnsCompleted"], room["timer"]["status"]


def ended_turns(http, code) -> list[dict]:
    return [t for t in report(http, code)["turns"] if t["kind"] == "turn" and t["ended"]]


def test_a_new_length_after_the_deadline_ends_the_turn_first(room):
    http, code, clock = room
    started = clock[0]
    clock[0] += TURN_MS + 300  # the turn ran out 300 ms ago; no time-up decided yet
    answer = http.patch(f"/api/{code}/timer", json={"duration": 120_000, "remainingTime": 120_000})
    assert answer.status_code == 204
    turns = ended_turns(http, code)
    assert [(t["driver"], t["ended"], t["endedAt"] - t["startedAt"], t["actualMs"]) for t in turns] == \
        [("Ann", "time-up", TURN_MS, TURN_MS)], turns
    assert turns[0]["startedAt"] == started
    assert roles(http, code) == ("Bob", "Ann", 1, "IDLE")
    timer = http.get(f"/api/{code}/timer").get_json()
    assert (timer["duration"], timer["remainingTime"]) == (120_000, 120_000)  # the next turn's


@pytest.mark.parametrize("body", [None, {"intent": "auto"}])
def test_a_swap_after_the_deadline_is_that_time_ups_swap(room, body):
    http, code, clock = room
    clock[0] += TURN_MS + 300
    answer = (http.patch(f"/api/pair-room/{code}/pair-swap", headers=JSON) if body is None
              else http.patch(f"/api/pair-room/{code}/pair-swap", json=body))
    assert answer.status_code == 204
    clock[0] += 1_000
    http.patch(f"/api/{code}/timer/stop")  # nothing left to decide: nothing changes
    assert roles(http, code) == ("Bob", "Ann", 1, "IDLE")
    turns = ended_turns(http, code)
    assert [(t["driver"], t["ended"], t["actualMs"]) for t in turns] == [("Ann", "time-up", TURN_MS)]


def test_a_new_swap_after_the_deadline_swaps_again_after_the_time_up(room):
    """``intent: new`` is a swap asked for on purpose: the time-up's, then this one."""
    http, code, clock = room
    clock[0] += TURN_MS + 300
    assert http.patch(f"/api/pair-room/{code}/pair-swap", json={"intent": "new"}).status_code == 204
    assert roles(http, code) == ("Ann", "Bob", 1, "IDLE")
    assert [t["ended"] for t in ended_turns(http, code)] == ["time-up"]


def test_a_command_before_the_deadline_is_just_the_command(room):
    http, code, clock = room
    clock[0] += TURN_MS - 300
    assert http.patch(f"/api/pair-room/{code}/pair-swap", headers=JSON).status_code == 204
    assert roles(http, code) == ("Bob", "Ann", 0, "RUNNING")
    assert ended_turns(http, code)[0]["ended"] != "time-up"
