"""In-process fixtures of the timer's tests."""
from __future__ import annotations

import pytest
from flask_migrate import upgrade

from coding_duo import create_app
from scheduler_fake import FakeScheduler


@pytest.fixture
def room_in_process(tmp_path):
    """``make(duration_ms)`` -> (app, timers, http client, code): one room made through
    the API of an app on a fresh SQLite file, its scheduler replaced by a FakeScheduler
    (nothing runs by itself: the test calls what it means to)."""
    apps = []

    def make(duration_ms: int = 60_000):
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 't.db'}",
                          "TESTING": True, "RATE_LIMITS_ENABLED": False, "REDIS_URL": None})
        apps.append(app)
        with app.app_context():
            upgrade()
        timers = app.extensions["coding_duo"].timers
        timers.schedulers = FakeScheduler()
        http = app.test_client()
        code = http.post("/api/pair-room", json={"driver": "Ann", "navigator": "Bob",
                                                 "timerDuration": duration_ms}).get_json()["accessCode"]
        return app, timers, http, code
    yield make
    for app in apps:
        app.extensions["coding_duo"].shutdown()
