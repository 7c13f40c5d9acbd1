"""What a resync tells coduo's screens of what they missed (Told, timer
update / complete), with lost messages written behind the bus's back as
tests/streams/test_bus_faults.py does. Round 2 only (PostgreSQL + Redis)."""
from __future__ import annotations

import os
import time
from contextlib import contextmanager

import pytest

from support import Api

pytestmark = pytest.mark.skipif(
    not (os.environ.get("TEST_DATABASE") == "postgres" and os.environ.get("TEST_REDIS") == "1"),
    reason="round 2 only (PostgreSQL + Redis)")

AFTER_LOSS = 3.0 + 1.5  # VERSION_CHECK_SECONDS + slack


def open_screens(a, b, code, duration):
    from coduo_client import CoduoScreen
    screens = [CoduoScreen(a.url, code).open(), CoduoScreen(b.url, code).open()]
    for screen in screens:
        screen.wait(lambda s: ("remaining-time", str(duration)) in s.handled)
    return screens


@contextmanager
def started_room(pair_of_servers, duration=60_000, until=lambda s: s.running, timeout=5):
    """A room with a coduo screen on each process, started, each screen then ``until``:
    (room id, screens)."""
    a, b = pair_of_servers
    api_a = Api(a.url)
    code = api_a.create_room(duration)
    screens = open_screens(a, b, code, duration)
    try:
        assert screens[0].start().status_code == 204
        for screen in screens:
            screen.wait(until, timeout=timeout)
        yield api_a.room(code)["id"], screens
    finally:
        for screen in screens:
            screen.close()


def test_a_lost_new_length_while_running_is_told_as_update(pair_of_servers, pg_schema_url):
    """PATCH /timer while running emits timer update (coduo reloads the timer only on it);
    the resync standing for that lost batch says it too."""
    import psycopg
    with started_room(pair_of_servers) as (room_id, screens):
        with psycopg.connect(pg_schema_url) as conn:  # a new length while running, its message lost
            now = int(time.time() * 1000)
            conn.execute("UPDATE timer SET duration_ms = 90000, remaining_ms = 90000, "
                         "ends_at_ms = %s WHERE room_id = %s", (now + 90_000, room_id))
            conn.execute("UPDATE pair_room SET version = version + 1 WHERE id = %s", (room_id,))
        time.sleep(AFTER_LOSS)
        seen = [(s.duration, ("timer", "update") in s.handled, s.remaining) for s in screens]
        print("duration, heard update, remaining:", seen)
        assert [(d, u) for d, u, _ in seen] == [(90_000, True)] * 2, seen


def test_a_lost_time_up_then_a_new_length_is_told_as_update(pair_of_servers, pg_schema_url):
    """The time-up's batch lost, a new length set in the swap window after it: the resync
    says "0" and stop, and the new length as update."""
    import psycopg
    with started_room(pair_of_servers) as (room_id, screens):
        with psycopg.connect(pg_schema_url) as conn:  # time-up, then a new length: both lost
            now = int(time.time() * 1000)
            conn.execute("UPDATE timer SET status = 'IDLE', ends_at_ms = NULL, duration_ms = 90000, "
                         "remaining_ms = 90000 WHERE room_id = %s", (room_id,))
            conn.execute("UPDATE pair_room SET version = version + 2, last_time_up_at_ms = %s "
                         "WHERE id = %s", (now, room_id))
        for screen in screens:
            screen.wait(lambda s: s.time_ups >= 1, timeout=AFTER_LOSS)
        time.sleep(0.5)
        seen = [(s.duration, ("timer", "update") in s.handled, s.time_ups) for s in screens]
        print("duration, heard update, time-ups:", seen)
        assert [(d, u) for d, u, _ in seen] == [(90_000, True)] * 2, seen


def test_a_resync_in_the_swap_window_does_not_repeat_a_heard_time_up(pair_of_servers,
                                                                    pg_schema_url):
    """Screens that heard the time-up (told: not running) and then miss an unrelated change
    within TIME_UP_SWAP_WINDOW_SECONDS: the resync's state says "0" again, and coduo's
    client ends its turn a second time (toast, alarm, swap request). Pre-existing
    (state_events), but Told now knows the screens heard it."""
    import psycopg
    with started_room(pair_of_servers, 2_000, lambda s: s.time_ups == 1) as (room_id, screens):
        with psycopg.connect(pg_schema_url) as conn:  # an unrelated change, its message lost
            conn.execute("UPDATE pair_room SET goal = 'lost goal', version = version + 1 "
                         "WHERE id = %s", (room_id,))
        time.sleep(AFTER_LOSS)
        seen = [(s.time_ups, s.handled.count(("remaining-time", "0"))) for s in screens]
        print("time-ups, zeros heard:", seen)
        assert seen == [(1, 1)] * 2, seen


def test_a_whole_turn_missed_is_told_as_its_time_up(pair_of_servers, pg_schema_url):
    """Screens that heard a time-up (told: a stopped full turn) then miss a whole turn,
    its start and its time-up, while the bus loses both: the timer is as they were told
    it (stopped, full), but a turn later. The resync must say that turn's "0" (coduo's
    client ends a turn only on it): what they were told is judged with the turns
    completed, not by the timer alone."""
    import psycopg
    with started_room(pair_of_servers, 2_000, lambda s: s.time_ups == 1) as (room_id, screens):
        with psycopg.connect(pg_schema_url) as conn:  # a whole turn, its messages lost
            now = int(time.time() * 1000)
            conn.execute("UPDATE pair_room SET turns_completed = turns_completed + 1, "
                         "last_time_up_at_ms = %s, driver = navigator, navigator = driver, "
                         "version = version + 2 WHERE id = %s", (now, room_id))
        for screen in screens:
            screen.wait(lambda s: s.time_ups >= 2, timeout=AFTER_LOSS)
        time.sleep(0.5)
        seen = [(s.time_ups, s.handled.count(("remaining-time", "0"))) for s in screens]
        print("time-ups, zeros heard:", seen)
        assert seen == [(2, 2)] * 2, seen
