"""A room running in the database that no live process knows of still times up.

Found in review: process A commits a start while Redis pauses writes (a failover), so
the batch waits in A's outbox; A is then killed (or SIGTERMed: the outbox does not
outlive the process). No other process heard the room ran. Nothing decided its time-up
until something touched the room: the database said RUNNING seconds past the deadline,
the turn unrecorded, the roles not rotated. Every process now asks the database, with
its version check, for running timers past their deadline by more than
``OVERDUE_GRACE_MS`` and decides them (once: the row lock decides, as for any time-up).
Round 2 only (PostgreSQL + Redis)."""
from __future__ import annotations

import time

import psycopg

from suite_env import round_2_only
from support import Api

pytestmark = round_2_only()

TURN_MS = 1_000


def room_row(url: str, code: str):
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT r.turns_completed, t.status, t.ends_at_ms, "
            "(SELECT count(*) FROM turn WHERE turn.room_id = r.id AND turn.ended = 'time-up'), "
            "(SELECT max(ended_at_ms) FROM turn WHERE turn.room_id = r.id) "
            "FROM pair_room r JOIN timer t ON t.room_id = r.id WHERE r.access_code = %s",
            (code.replace("-", ""),)).fetchone()


def test_a_running_room_whose_process_died_unheard_times_up_on_another(
        make_pair, redis_server, pg_schema_url):
    a, b = make_pair(VERSION_CHECK_SECONDS="0.5")
    api_a = Api(a.url)
    codes = [api_a.create_room(TURN_MS) for _ in range(3)]
    redis_server.pause_writes(6000)  # A's start batches stay in A's outbox
    for code in codes:
        assert api_a.start(code).status_code == 204
    ends_at = {code: room_row(pg_schema_url, code)[2] for code in codes}
    a.kill()  # the outbox is gone: B never hears the rooms ran
    # B must not learn of them from a read either (a read of a room puts it in memory,
    # and the once-a-second sweep would decide it): only the database is asked here.
    decided = {}
    give_up = time.monotonic() + 12
    while time.monotonic() < give_up and len(decided) < len(codes):
        for code in codes:
            row = room_row(pg_schema_url, code)
            if code not in decided and row[0] == 1:
                decided[code] = (row, time.time() * 1000)
        time.sleep(0.1)
    assert set(decided) == set(codes), {c: room_row(pg_schema_url, c) for c in codes}
    for code, ((turns, status, _, time_ups, ended_at), seen_at) in decided.items():
        assert (turns, status, time_ups) == (1, "IDLE", 1), (code, turns, status, time_ups)
        assert ended_at == ends_at[code]  # recorded on its true deadline, however late
        late = seen_at - ends_at[code]
        print(f"room {code}: decided {late:.0f} ms after its deadline")
        # Redis takes writes again 6 s after the pause began; B must not have needed that.
        assert late < 4_500, f"room {code} decided {late:.0f} ms after its deadline"
    time.sleep(1.5)  # nothing decides a turn twice
    for code in codes:
        turns, status, _, time_ups, _ = room_row(pg_schema_url, code)
        assert (turns, status, time_ups) == (1, "IDLE", 1), (code, turns, status, time_ups)
