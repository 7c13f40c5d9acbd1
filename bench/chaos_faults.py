"""The cluster bench/chaos.py runs against, and the faults it injects: two app
processes (A reaches PostgreSQL through a TCP proxy that can stall or cut the
link, B directly), a database and a redis-server of the run's own, and screens
that reconnect as EventSource does."""
from __future__ import annotations

import os
import signal
import threading
import time
import uuid

from private_redis import PrivateRedis
from screens import truth
from support import Api, ServerProcess, SSEClient
from tcp_proxy import TcpProxy

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")
RETRY_MS = 500  # what the servers tell browsers (STREAM_RETRY_MS)
START_TIMEOUT = 60  # seconds for a server to come up (a loaded machine is slow)


class Screen:
    """A browser's EventSource: reconnects after RETRY_MS when its stream ends (to
    the other process when its own refuses), keeping every connection's events."""

    def __init__(self, cluster, code, process, name):
        self.cluster, self.code, self.process, self.name = cluster, code, process, name
        self.clients: list[SSEClient] = []
        self.current: SSEClient | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self.cluster.stopping:
            client = SSEClient(self.cluster.url(self.process), f"/api/{self.code}/connect")
            try:
                client.open(timeout=3)
            except OSError:
                self.process = 1 - self.process  # refused: a load balancer would pick another
                time.sleep(RETRY_MS / 1000)
                continue
            if client.status == 200:
                self.clients.append(client)
                self.current = client
                client.wait_ended(timeout=None)
                self.current = None
            client.close()
            time.sleep(RETRY_MS / 1000)

    def reset(self):
        client = self.current
        if client is not None:
            client.reset()

    @property
    def live(self) -> bool:
        client = self.current
        return client is not None and not client.ended

    def live_events(self) -> list:
        client = self.current
        if client is None or client.ended:
            return []
        with client._cond:
            return list(client.events)

    def segments(self) -> list[list]:
        return [list(c.events) for c in self.clients]


class Cluster:
    def __init__(self, tmp):
        self.tmp = tmp
        self.stopping = False
        self.screens: list[Screen] = []

    def __enter__(self):
        self.servers, self.proxy, self.redis, self.db = [], None, None, None
        try:
            return self._start()
        except BaseException:
            self.__exit__()
            raise

    def _start(self):
        import psycopg
        self.db = "chaos_" + uuid.uuid4().hex[:10]
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.db}"')
        base = PG_ADMIN_URL.rsplit("/", 1)[0]
        self.db_url = f"{base}/{self.db}"
        host_port = base.split("//", 1)[1].split("@")[-1]
        host, port = host_port.split(":") if ":" in host_port else (host_port, "5432")
        self.proxy = TcpProxy((host, int(port)))
        self.redis = PrivateRedis(self.tmp)
        self.redis.start()
        env = {"REDIS_URL": f"redis://127.0.0.1:{self.redis.port}/0",
               "REDIS_NAMESPACE": "chaos-" + uuid.uuid4().hex[:8], "STREAM_RETRY_MS": str(RETRY_MS),
               "HEARTBEAT_SECONDS": "2", "DISCONNECT_POLL_SECONDS": "0.5",
               "EMPTY_ROOM_GRACE_SECONDS": "0", "MAX_STREAMS_PER_CLIENT": "1000",
               "RATE_LIMITS_ENABLED": "false",
               "ROOM_LOCK_STRIPES": "8"}  # many rooms share a lock stripe
        proxied = f"postgresql://127.0.0.1:{self.proxy.port}/{self.db}"
        self.servers = [ServerProcess(proxied, env), ServerProcess(self.db_url, env)]
        for index, server in enumerate(self.servers):
            self._start_server(server, os.path.join(self.tmp, f"server-{'AB'[index]}.log"))
        return self

    @staticmethod
    def _start_server(server, log_path):
        try:
            server.start(log_path=log_path, timeout=START_TIMEOUT)
        except RuntimeError:
            with open(log_path) as log:
                print(log.read()[-3000:])
            raise

    def __exit__(self, *exc):
        import psycopg
        self.stopping = True
        for screen in self.screens:
            screen.reset()
        for server in self.servers:
            server.stop()
        if self.proxy is not None:
            self.proxy.close()
        if self.redis is not None and self.redis.proc is not None:
            self.redis.kill()
        if self.db is not None:
            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.db}" WITH (FORCE)')

    def url(self, process: int) -> str:
        return self.servers[process].url

    def api(self, process: int) -> Api:
        return Api(self.url(process))

    def screen(self, code, process, name) -> Screen:
        screen = Screen(self, code, process, name)
        self.screens.append(screen)
        return screen

    def truth(self, code) -> dict:
        import psycopg
        state = truth(self.db_url, self.api(1), code)
        with psycopg.connect(self.db_url) as conn:
            # The timer's status again, in the same read as its details: a time-up
            # between the two reads had given a RUNNING status without a deadline.
            (state["turnsCompleted"], state["timer_duration"], state["timer_remaining"],
             state["timer_ends_at"], state["status"]) = conn.execute(
                "SELECT r.turns_completed, t.duration_ms, t.remaining_ms, t.ends_at_ms, t.status "
                "FROM pair_room r JOIN timer t ON t.room_id = r.id WHERE r.access_code = %s",
                (code.replace("-", ""),)).fetchone()
        return state

    # ----- faults ----------------------------------------------------------------------

    def inject(self, kind: str, rng, rooms) -> None:
        """One fault, healed before this returns."""
        pause = rng.uniform(0.5, 2.5)
        if kind in ("kill-a", "kill-b", "term-a", "term-b"):
            server = self.servers[0 if kind.endswith("a") else 1]
            server.stop(signal.SIGKILL if kind.startswith("kill") else signal.SIGTERM)
            time.sleep(pause)
            self._start_server(server, server.log_path)
        elif kind == "redis-kill":
            self.redis.kill()
            time.sleep(pause)
            self.redis.start()
        elif kind == "redis-pause":
            ms = int(pause * 1000) + 500
            self.redis.pause_writes(ms)
            time.sleep(ms / 1000)
        elif kind == "pg-terminate":
            import psycopg
            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
                conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                             "WHERE datname = %s AND pid <> pg_backend_pid()", (self.db,))
        elif kind == "db-stall":
            self.proxy.stall()
            time.sleep(pause)
            self.proxy.resume()
        elif kind == "db-cut":
            self.proxy.cut()
            time.sleep(pause)
            self.proxy.restore()
        elif kind == "screen-reset":
            screens = [s for ss in rooms.values() for s in ss]
            for screen in rng.sample(screens, min(len(screens), rng.randint(1, 3))):
                screen.reset()
        else:
            raise ValueError(kind)
