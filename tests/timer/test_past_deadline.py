"""``_sync_tick_job``'s run_soon(_tick_slowly) for a room past its deadline
(261d269). In-process, SQLite, the scheduler replaced by a recorder."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from coding_duo.extensions import db

pytestmark = pytest.mark.once


def test_memory_ahead_of_the_database_does_not_requeue_the_slow_tick_for_ever(room_in_process):
    """The database lost the room's last commit (a failover to a standby behind, a
    restore): memory runs past its deadline at version n+1, the database is idle at n.
    Each _tick_slowly finds nothing to decide, and its no-change path's _sync_tick_job
    queues the next one at once."""
    app, timers, http, code = room_in_process(60_000)
    with app.app_context():
        key = db.session.execute(text("SELECT access_code FROM pair_room")).scalar_one()
        timers.streams.register(key)  # a screen here
        assert http.patch(f"/api/{code}/timer/start").status_code == 204
        # the database loses the start (back to the idle version before it)
        db.session.execute(text("UPDATE pair_room SET version = version - 1"))
        db.session.execute(text("UPDATE timer SET status = 'IDLE', ends_at_ms = NULL"))
        db.session.commit()
        now = int(time.time() * 1000) + 61_000
        timers.clock = lambda: now
        timers.schedulers.handed.clear()
        timers._tick_slowly(key)
        rounds = timers.schedulers.run_handed(limit=50)
    print("slow ticks queued one after another:", rounds)
    # The first finds memory ahead and queues one more, which finds nothing to hurry: a
    # hot loop of row locks would run all 50.
    assert rounds <= 1, f"each _tick_slowly queued another at once ({rounds} in a row)"
