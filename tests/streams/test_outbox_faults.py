"""A process whose outbox overflowed during a Redis write pause (BUS_OUTBOX_BYTES
tiny: every unsent change but the newest is dropped) loses nothing for the
screens: the other process resyncs the room from the database (a gap in the
versions, or the version check), the drop is counted in /metrics and logged once
with a summary. Round 2 only."""
from __future__ import annotations

import time

import pytest

from screens import truth, wrong_after
from support import Api, stream
from suite_env import round_2_only

BOUND = 2.0 + 3.0 + 1.0  # after the pause: publishing back, VERSION_CHECK_SECONDS, slack

pytestmark = round_2_only()


@pytest.fixture
def small_outbox_pair(make_pair):
    return make_pair(BUS_OUTBOX_BYTES="1")


def test_changes_dropped_from_a_full_outbox_still_reach_every_screen(small_outbox_pair,
                                                                     redis_server, pg_schema_url):
    a, b = small_outbox_pair
    api_a = Api(a.url)
    codes = [api_a.create_room(60_000) for _ in range(3)]
    screens = {code: [stream(b.url, code), stream(b.url, code)] for code in codes}
    for clients in screens.values():
        for client in clients:
            client.wait_event("todos")
    try:
        redis_server.pause_writes(2000)
        paused_until = time.monotonic() + 2.0
        for code in codes:
            assert api_a.call("POST", f"/api/{code}/todos", {"content": "while paused"}).status_code == 201
            assert api_a.call("PATCH", f"/api/pair-room/{code}/pair-swap",
                              headers={"Content-Type": "application/json"}).status_code == 204
            assert api_a.start(code).status_code == 204
        time.sleep(max(0.0, paused_until - time.monotonic()))
        for code in codes:
            want = truth(pg_schema_url, api_a, code)
            wrong = wrong_after(screens[code], want, BOUND)
            assert not wrong, (code, want, wrong)
        metrics = api_a.metrics()
        assert metrics["coding_duo_bus_outbox_dropped_batches_total"] >= 6, metrics
        # The screens may be right before A publishes again (the others read the rooms
        # from the database): the outage's summary is logged when it does.
        text = ""
        for _ in range(int(BOUND * 10)):
            with open(a.log_path) as log:
                text = log.read()
            if "were dropped during the outage" in text:
                break
            time.sleep(0.1)
        assert text.count("outbox full") == 1, text[-3000:]
        assert text.count("were dropped during the outage") == 1, text[-3000:]
    finally:
        for clients in screens.values():
            for client in clients:
                client.close()
