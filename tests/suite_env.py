"""What the whole suite runs with, importable from any test folder (``from conftest``
is ambiguous once folders have conftest files of their own).

TEST_DATABASE=postgres runs every server under test on PostgreSQL instead of SQLite;
TEST_REDIS=1 gives each of them REDIS_URL, so every event goes through Redis."""
import os

TEST_DATABASE = os.environ.get("TEST_DATABASE", "sqlite")
TEST_REDIS = os.environ.get("TEST_REDIS") == "1"

FAST_ENV = {
    "HEARTBEAT_SECONDS": "2",
    "DISCONNECT_POLL_SECONDS": "0.5",
    "EMPTY_ROOM_GRACE_SECONDS": "0",
}


def round_2_only():
    """``pytestmark = round_2_only()``: a test of two processes sharing PostgreSQL and
    Redis, skipped with the reason in round 1."""
    import pytest
    return pytest.mark.skipif(not (TEST_DATABASE == "postgres" and TEST_REDIS),
                              reason="round 2 only (PostgreSQL + Redis)")
