"""Two app processes on one PostgreSQL schema and a Redis server of the test's own."""
from __future__ import annotations

import uuid

import pytest

from databases import require_redis
from private_redis import PrivateRedis
from support import ServerProcess


@pytest.fixture
def redis_server(tmp_path):
    require_redis()  # the same rule as every Redis test: CI must have it
    server = PrivateRedis(tmp_path).start()
    yield server
    if server.proc.poll() is None:
        server.kill()


@pytest.fixture
def make_pair(pg_schema_url, redis_server):
    """``make_pair(**env)``: two processes on one schema and the test's Redis, with
    these settings on top of the suite's quick ones; stopped when the test ends."""
    started = []

    def make(**extra):
        env = {"REDIS_URL": redis_server.url, "REDIS_NAMESPACE": "duo-" + uuid.uuid4().hex[:8],
               "HEARTBEAT_SECONDS": "2", "DISCONNECT_POLL_SECONDS": "0.5",
               "EMPTY_ROOM_GRACE_SECONDS": "0", **extra}
        pair = ServerProcess(pg_schema_url, env).start(), ServerProcess(pg_schema_url, env).start()
        started.extend(pair)
        return pair
    yield make
    for server in started:
        server.stop()


@pytest.fixture
def pair_of_servers(make_pair):
    return make_pair()
