"""A stream whose opening fails after it was registered is not left registered.

Found in review: the connect view registers the client (and takes its snapshot) under
the room lock, then starts the room's ticks here and tells the room who is here. If
one of those raised, the view answered an error but the client stayed registered: a
queue nobody reads, filling with every broadcast, and counted as a screen of the room.
In-process (SQLite), whatever the round."""
from __future__ import annotations

import pytest
from flask_migrate import upgrade

from coding_duo import create_app

pytestmark = pytest.mark.once


@pytest.fixture
def app(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'connect.db'}",
                      "TESTING": True, "RATE_LIMITS_ENABLED": False,
                      "PROPAGATE_EXCEPTIONS": False})
    with app.app_context():
        upgrade()
    yield app
    app.extensions["coding_duo"].shutdown()


@pytest.mark.parametrize("failing", ["stream_opened", "screens_changed"])
def test_a_failed_opening_leaves_no_screen_behind(app, monkeypatch, failing):
    duo = app.extensions["coding_duo"]
    client = app.test_client()
    made = client.post("/api/pair-room", json={"driver": "Ann", "navigator": "Bob",
                                                "timerDuration": 60_000})
    assert made.status_code == 201, made.get_data(as_text=True)
    code = made.get_json()["accessCode"]

    def fail(*_args):
        raise RuntimeError("the scheduler is shutting down")

    if failing == "stream_opened":
        monkeypatch.setattr(duo.timers, "stream_opened", fail)
    else:
        monkeypatch.setattr(duo.screens, "changed", fail)
    answer = client.get(f"/api/{code}/connect")
    assert answer.status_code == 500
    key = code.replace("-", "")
    assert duo.streams.count(key) == 0, "a screen nobody reads stayed registered"
    assert duo.stream_cap.open == 0
    monkeypatch.undo()
    answer = client.get(f"/api/{code}/connect", buffered=False)
    try:
        assert answer.status_code == 200
        assert duo.streams.count(key) == 1
    finally:
        answer.close()
    assert duo.streams.count(key) == 0


def test_a_stream_that_finds_no_snapshot_slot_in_time_is_told_to_retry(app):
    """Snapshots are built a few at a time (SnapshotSlots); one that waits past the
    slots' patience (a stalled database holding them) gets a 503 with Retry-After,
    which the room page's EventSource retry answers, and leaves nothing behind."""
    from coding_duo.streams.cap import SnapshotSlots
    duo = app.extensions["coding_duo"]
    duo.snapshot_slots = SnapshotSlots(1, wait_seconds=0.2)
    client = app.test_client()
    code = client.post("/api/pair-room", json={"driver": "Ann", "navigator": "Bob",
                                                "timerDuration": 60_000}).get_json()["accessCode"]
    assert duo.snapshot_slots.acquire()  # held (by a snapshot waiting for the database)
    answer = client.get(f"/api/{code}/connect")
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "1"
    assert "busy" in answer.get_json()["message"]
    assert duo.streams.count(code.replace("-", "")) == 0 and duo.stream_cap.open == 0
    duo.snapshot_slots.release()
    answer = client.get(f"/api/{code}/connect", buffered=False)
    try:
        assert answer.status_code == 200
    finally:
        answer.close()
    assert duo.snapshot_slots.acquire(), "the slot was not given back"


def test_every_way_out_of_the_view_gives_back_the_slot_and_the_cap(app, monkeypatch):
    """404 (unknown, deleted), 400, 429, 503 (full, stopping) and an exception: the
    snapshot slot and the stream cap are given back, and an open stream holds its cap
    but no slot (its generator runs outside). One slot, 0.2 s patience: a slot leaked
    shows as a 503. After review 18 (which also moved the stopping check and the cap
    before the slot: refusals need no database and must not queue for one)."""
    from coding_duo.streams.cap import SnapshotSlots
    duo = app.extensions["coding_duo"]
    duo.snapshot_slots = SnapshotSlots(1, wait_seconds=0.2)
    monkeypatch.setattr(duo.stream_cap, "per_client", 1)
    client = app.test_client()
    code = client.post("/api/pair-room", json={"driver": "Ann", "navigator": "Bob",
                                                "timerDuration": 60_000}).get_json()["accessCode"]

    def given_back(open_streams=0):
        free = duo.snapshot_slots.acquire()
        if free:
            duo.snapshot_slots.release()
        return free and duo.stream_cap.open == open_streams

    assert client.get("/api/ZZZZZ-ZZZZZ/connect").status_code == 404 and given_back()
    assert client.get(f"/api/{code}/connect", headers={"Last-Event-ID": "x"}).status_code == 400
    assert given_back()
    first = client.get(f"/api/{code}/connect", buffered=False)
    assert first.status_code == 200 and given_back(open_streams=1)
    assert client.get(f"/api/{code}/connect").status_code == 429 and given_back(open_streams=1)
    first.close()
    assert given_back()
    monkeypatch.setattr(duo.stream_cap, "limit", 0)
    assert client.get(f"/api/{code}/connect").status_code == 503 and given_back()
    monkeypatch.setattr(duo.stream_cap, "limit", 10)
    monkeypatch.setattr(duo.timers, "open_stream", lambda key: 1 / 0)
    assert client.get(f"/api/{code}/connect").status_code == 500 and given_back()
    monkeypatch.undo()
    assert client.delete(f"/api/pair-room/{code}").status_code in (200, 204)
    assert client.get(f"/api/{code}/connect").status_code == 404 and given_back()
    duo.stop_serving()
    answer = client.get(f"/api/{code}/connect")
    assert answer.status_code == 503 and "restarting" in answer.get_json()["message"]
    assert given_back()
