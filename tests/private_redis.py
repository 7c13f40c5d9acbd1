"""A redis-server of a test's (or the chaos run's) own on a free port, so it can be
killed, restarted on the same port or paused without touching the shared one."""
from __future__ import annotations

import subprocess
import time

from support import free_port


class PrivateRedis:
    def __init__(self, directory):
        self.port = free_port()
        self.dir = str(directory)
        self.proc = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self):
        import redis
        return redis.Redis(port=self.port, socket_timeout=5)

    def start(self) -> "PrivateRedis":
        import redis
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.dir],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                redis.Redis(port=self.port).ping()
                return self
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait()

    def pause_writes(self, ms: int) -> None:
        """``CLIENT PAUSE ms WRITE``: what a failover does; subscriptions stay up."""
        self.client().execute_command("CLIENT", "PAUSE", str(ms), "WRITE")
