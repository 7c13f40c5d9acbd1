"""While Redis refuses writes (``CLIENT PAUSE ... WRITE``, what a failover does), a
change decided on one process still reaches the other's screens through the
database: every RECENT_VERSION_CHECK_SECONDS (0.5 s) each process reads the rooms
touched in the last seconds and resyncs those behind. So a turn started and timed
up on the process without screens rings there about as late as that check, not
when Redis takes writes again (chaos seed 6: a "0" 1.56 s late in a 1-3 s pause).
Round 2 only."""
from __future__ import annotations

import time

from support import Api, stream
from suite_env import round_2_only

PAUSE_MS = 4_000
REACH = 0.5 + 0.2 + 0.5  # the recent check, its wait for a batch on its way, slack

pytestmark = round_2_only()


def test_a_start_and_its_time_up_reach_the_other_process_while_redis_refuses_writes(
        make_pair, redis_server):
    a, b = make_pair()
    api_a = Api(a.url)
    code = api_a.create_room(1_500)
    screen = stream(b.url, code)
    try:
        screen.wait_event("todos")
        seen = len(screen.events)
        redis_server.pause_writes(PAUSE_MS)
        paused_until = time.time() + PAUSE_MS / 1000
        started = time.time()
        assert api_a.start(code).status_code == 204
        running = screen.wait_for(lambda events: next(
            (e for e in events[seen:] if e.event == "timer" and e.data in ("start", "running")), None),
            timeout=PAUSE_MS / 1000)  # the batch's start, or the resync's state
        assert running.at - started <= REACH, running.at - started
        deadline = started + 1.5
        zero = screen.wait_event("remaining-time", "0", after=seen, timeout=PAUSE_MS / 1000)
        assert zero.at < paused_until, "the 0 waited for Redis"
        assert zero.at - deadline <= REACH, zero.at - deadline
        # The batches Redis delivers after the pause are old news: no second time-up.
        time.sleep(max(0.0, paused_until - time.time()) + 1.5)
        zeros = [e for e in screen.events[seen:] if e.event == "remaining-time" and e.data == "0"]
        assert len(zeros) == 1, [(e.event, e.data) for e in screen.events[seen:]]
    finally:
        screen.close()
