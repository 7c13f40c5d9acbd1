"""Two app processes on one PostgreSQL schema and a Redis server of the test's own."""
from __future__ import annotations

import subprocess
import time
import uuid

import pytest

from databases import require_redis
from support import ServerProcess, free_port


class PrivateRedis:
    """A Redis server of this test's own, so it can be killed, restarted (same port)
    or paused without touching the shared one."""

    def __init__(self, tmp_path):
        self.port = free_port()
        self.dir = tmp_path
        self.proc = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self):
        import redis
        return redis.Redis(port=self.port, socket_timeout=5)

    def start(self):
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.dir)], stdout=subprocess.DEVNULL)
        import redis
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                redis.Redis(port=self.port).ping()
                return self
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self):
        self.proc.kill()
        self.proc.wait()

    def pause_writes(self, ms: int) -> None:
        """``CLIENT PAUSE ms WRITE``: what a failover does; subscriptions stay up."""
        self.client().execute_command("CLIENT", "PAUSE", str(ms), "WRITE")


@pytest.fixture
def redis_server(tmp_path):
    require_redis()  # the same rule as every Redis test: CI must have it
    server = PrivateRedis(tmp_path).start()
    yield server
    if server.proc.poll() is None:
        server.kill()


@pytest.fixture
def pair_of_servers(pg_schema_url, redis_server):
    env = {"REDIS_URL": redis_server.url, "REDIS_NAMESPACE": "duo-" + uuid.uuid4().hex[:8],
           "HEARTBEAT_SECONDS": "2", "DISCONNECT_POLL_SECONDS": "0.5",
           "EMPTY_ROOM_GRACE_SECONDS": "0"}
    a = ServerProcess(pg_schema_url, env).start()
    b = ServerProcess(pg_schema_url, env).start()
    yield a, b
    a.stop(), b.stop()
