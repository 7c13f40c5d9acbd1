"""A request whose transaction the database ended (idle past ``ROW_LOCK_IDLE_MS``,
SQLSTATE 25P03) is run once more, but only if it committed nothing before: a view
that made one change and then met the end must not make that change twice. The
real thing, through PostgreSQL and a proxy that holds a COMMIT back, is in
tests/streams/test_row_lock_idle.py; here the mechanism, in-process, with the
database's error as psycopg raises it."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import InternalError

from coding_duo import create_app
from coding_duo.extensions import db

pytestmark = pytest.mark.once  # SQLite in-process, whatever the round (tests/conftest.py)


class IdleInTransactionTimeout(Exception):
    sqlstate = "25P03"


def ended() -> InternalError:
    return InternalError("SELECT 1", None, IdleInTransactionTimeout(
        "terminating connection due to idle-in-transaction timeout"))


@pytest.fixture
def app(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'retries.db'}",
                      "TESTING": True, "RATE_LIMITS_ENABLED": False})
    yield app
    app.extensions["coding_duo"].shutdown()


def test_a_request_ended_before_any_commit_runs_once_more(app):
    calls = []

    @app.post("/api/test-ended-once")
    def ended_once():
        calls.append(1)
        if len(calls) == 1:
            raise ended()
        return {"calls": len(calls)}

    answer = app.test_client().post("/api/test-ended-once")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.get_json() == {"calls": 2}


def test_a_request_ended_twice_answers_503(app):
    calls = []

    @app.post("/api/test-ended-always")
    def ended_always():
        calls.append(1)
        raise ended()

    answer = app.test_client().post("/api/test-ended-always")
    assert answer.status_code == 503
    assert "database" in answer.get_json()["message"].lower()
    assert len(calls) == 2


def test_a_request_that_committed_before_it_was_ended_is_not_run_again(app):
    calls = []

    @app.post("/api/test-committed-then-ended")
    def committed_then_ended():
        calls.append(1)
        db.session.execute(text("SELECT 1"))
        db.session.commit()  # a change made (a time-up decided first, say)
        raise ended()  # and the next one's transaction ended

    answer = app.test_client().post("/api/test-committed-then-ended")
    assert answer.status_code == 503
    assert len(calls) == 1, "a change the request had committed would be made again"


def test_other_internal_errors_are_not_retried(app):
    calls = []

    class Other(Exception):
        sqlstate = "XX000"

    @app.post("/api/test-internal")
    def internal():
        calls.append(1)
        raise InternalError("SELECT 1", None, Other("internal error"))

    app.config["PROPAGATE_EXCEPTIONS"] = False
    answer = app.test_client().post("/api/test-internal")
    assert answer.status_code == 500
    assert len(calls) == 1


def test_a_retried_request_spends_its_rate_limit_once(tmp_path):
    """Found in review: the view's limit decorator runs again with the view, so a
    retried list write was charged twice (a client near its budget got a 429 for a
    request that was answered). Two shared limits stacked, as link creation has."""
    from coding_duo.web.limits import limiter
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'limits.db'}",
                      "TESTING": True, "RATE_LIMITS_ENABLED": True})
    try:
        calls = []
        twice_a_minute = limiter.shared_limit("2 per minute", scope="test-retried")
        thrice_a_minute = limiter.shared_limit("3 per minute", scope="test-retried-outer")

        @app.post("/api/test-limited")
        @thrice_a_minute
        @twice_a_minute
        def limited():
            calls.append(1)
            if len(calls) % 2 == 1:  # every request meets an ended transaction once
                raise ended()
            return {"calls": len(calls)}

        client = app.test_client()
        answers = [client.post("/api/test-limited").status_code for _ in range(3)]
        assert answers == [200, 200, 429], (answers, calls)
        assert len(calls) == 4
    finally:
        app.extensions["coding_duo"].shutdown()
