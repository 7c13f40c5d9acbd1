"""``Sweep.decide_overdue`` (the time-up of rooms running past their deadline that no
process decided), in-process on SQLite and called directly: an overdue break ends as a
break; a room decided and restarted elsewhere between the query and the row lock is
left running, its turn counted once; and only a decision made here is logged (with
several processes every one queries the room, and one wins). From review 17."""
from __future__ import annotations

import logging
import time

import pytest
from sqlalchemy import text

from coding_duo.extensions import db

pytestmark = pytest.mark.once


def row():
    r = db.session.execute(text(
        "SELECT r.turns_completed, t.status, t.kind, (SELECT count(*) FROM turn) "
        "FROM pair_room r JOIN timer t ON t.room_id = r.id")).one()
    db.session.rollback()
    return tuple(r)


def test_an_overdue_break_ends_as_a_break(room_in_process):
    app, timers, http, code = room_in_process(60_000)
    assert http.patch(f"/api/pair-room/{code}/break/start", json={"duration": 1_000}) \
        .status_code in (200, 204)
    later = int(time.time() * 1000) + 3_500
    timers.clock = lambda: later
    with app.app_context():
        assert timers.decide_overdue() == 1
        assert row()[:3] == (0, "IDLE", "turn")
        assert timers.decide_overdue() == 0


def test_a_room_decided_and_restarted_meanwhile_is_left_running(room_in_process, caplog):
    app, timers, http, code = room_in_process(2_000)
    assert http.patch(f"/api/{code}/timer/start").status_code == 204
    later = int(time.time() * 1000) + 4_500
    timers.clock = lambda: later
    real = timers._transition
    calls = []

    def racing(key, decide):
        if not calls:  # the owner decides the time-up and a start lands, first
            calls.append(1)
            real(key, timers._decide_time_up)
            assert http.patch(f"/api/{code}/timer/start").status_code == 204
        return real(key, decide)

    timers._transition = racing
    with app.app_context(), caplog.at_level(logging.WARNING):
        assert timers.decide_overdue() == 0  # found, and decided elsewhere
        assert row()[:2] == (1, "RUNNING")
    warned = [r for r in caplog.records if "decided by nobody" in r.getMessage()]
    assert warned == [], "warned of a time-up this process did not decide"


def test_a_decision_made_here_is_logged_once(room_in_process, caplog):
    app, timers, http, code = room_in_process(2_000)
    assert http.patch(f"/api/{code}/timer/start").status_code == 204
    later = int(time.time() * 1000) + 4_500
    timers.clock = lambda: later
    with app.app_context(), caplog.at_level(logging.WARNING):
        assert timers.decide_overdue() == 1
        assert row() == (1, "IDLE", "turn", 1)
    warned = [r for r in caplog.records if "decided by nobody" in r.getMessage()]
    assert len(warned) == 1
