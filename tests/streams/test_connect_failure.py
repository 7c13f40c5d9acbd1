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
