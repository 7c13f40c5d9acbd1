"""The empty-room rule: a running timer in a room with no stream pauses after
the grace period, not before, and a reconnect within the grace keeps it running."""
import time

import pytest

from support import Api, stream

GRACE = 1.5


@pytest.fixture(scope="module")
def graced(start_module_server):
    return start_module_server({"EMPTY_ROOM_GRACE_SECONDS": str(GRACE)})


def test_a_room_nobody_ever_joined_pauses_after_the_grace(graced):
    api = Api(graced.url)
    code = api.create_room(60_000)
    api.start(code)
    time.sleep(GRACE - 0.6)
    assert api.room(code)["remainingTime"] < 60_000
    running_check = api.timer(code)["remainingTime"]
    time.sleep(0.3)
    assert api.timer(code)["remainingTime"] < running_check  # still running before the grace
    time.sleep(GRACE + 0.5)
    paused = api.timer(code)["remainingTime"]
    time.sleep(0.5)
    assert api.timer(code)["remainingTime"] == paused
    assert 56_000 < paused < 59_000


def test_the_last_client_leaving_pauses_after_the_grace(graced):
    api = Api(graced.url)
    code = api.create_room(60_000)
    client = stream(graced.url, code)
    api.start(code)
    time.sleep(GRACE + 0.6)  # connected: no pause however long
    client.wait_event("remaining-time", "58000", timeout=2)
    client.close()
    left_at = time.monotonic()
    watcher_code_remaining = []
    while time.monotonic() - left_at < GRACE + 2.5:
        watcher_code_remaining.append((time.monotonic() - left_at, api.timer(code)["remainingTime"]))
        time.sleep(0.1)
    final = watcher_code_remaining[-1][1]
    paused_from = min(t for t, r in watcher_code_remaining if r == final)
    # Detecting the closed socket takes up to a poll (0.5 s here), the check runs
    # on the next tick (<= 1 s): never before the grace, at most ~1.5 s after it.
    assert GRACE - 0.1 <= paused_from <= GRACE + 1.7


def test_a_reconnect_within_the_grace_keeps_it_running(graced):
    api = Api(graced.url)
    code = api.create_room(60_000)
    client = stream(graced.url, code)
    api.start(code)
    client.wait_event("remaining-time", "59000", timeout=2)
    client.close()
    time.sleep(GRACE - 0.7)
    again = stream(graced.url, code)
    try:
        again.wait_event("room")
        time.sleep(GRACE + 0.5)
        before = api.timer(code)["remainingTime"]
        time.sleep(0.3)
        assert api.timer(code)["remainingTime"] < before
        assert not [e for e in again.events if e.event == "timer" and e.data == "pause"]
    finally:
        again.close()
