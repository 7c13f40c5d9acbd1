"""Who is in the room: how many screens have its stream open, pushed to the room
as a ``presence`` event ``{"screens": N}`` whenever a stream opens or closes.

One process (no Redis): the count is this process's ``EventStreamsRegistry``,
shown at once.

Several processes: each process writes its own count for the room into a Redis
hash (``<namespace>:screens:<room key>``, one field per process, expiring an hour
after the last change), the total is the sum of the fields, and the process that
saw the change says so on the bus so every process pushes the total to its own
browsers. The write is made by one worker thread per process, never by the
request that opened or closed a stream: a Redis refusing writes (a failover's
``CLIENT PAUSE WRITE``) or gone must not hold a stream's opening or closing. The
worker takes the rooms in the order they changed, reads each room's count when it
writes it (so one process writes its counts in the order it took them), and
retries a room whose write failed until Redis takes it (meanwhile the room's
screens here are shown this process's count plus the others' last known). Each
count carries the order Redis gave it (its ``TIME``, then an ``INCR``, in the same
``MULTI``: see ``_order``) and screens show only newer ones, so counts computed by several processes at once,
reaching each process in any order, end on the newest.

A process that dies without closing its streams leaves its count in the hash, so
only the counts of live processes are summed: each worker writes a heartbeat into
``<namespace>:screens:alive`` (a sorted set, process -> epoch ms) every second,
a process silent for ``DEAD_MS`` is left out of every total, and when the set of
live processes changes (one died, stopped, or came back after an outage) every
process recounts the rooms it has streams for. So after a SIGKILL the counts are
right within about ``DEAD_MS`` + 1 s (bench/chaos.py checks it after each fault).
The heartbeats compare the processes' wall clocks: skew well under ``DEAD_MS`` is
assumed (and watched: ``timer.clock_skew``). The number is for people ("2
screens"); nothing is decided by it.
"""
from __future__ import annotations

import json
import logging
import threading
import time
import uuid

log = logging.getLogger(__name__)

EVENT = "presence"
HASH_TTL_SECONDS = 3600
RETRY_MAX_SECONDS = 2.0
HEARTBEAT_SECONDS = 1.0
DEAD_MS = 5000  # a process whose heartbeat is older is left out of the totals


def presence_data(screens: int) -> str:
    return json.dumps({"screens": screens}, separators=(",", ":"))


class Screens:
    def __init__(self, streams, bus=None, namespace: str = "coding-duo"):
        self.streams = streams
        self.bus = bus if getattr(bus, "client", None) is not None else None
        self.namespace = namespace
        self.process = uuid.uuid4().hex
        self._lock = threading.Lock()  # what this process's screens were shown
        # room key -> the newest count's order shown here: counts computed by several
        # processes at once reach each process in any order, and an older total must
        # not overwrite a newer one. Kept only for rooms with streams here.
        self._seen: dict[str, int] = {}
        # Rooms whose count must be written, oldest change first (a dict as an ordered set).
        self._dirty: dict[str, None] = {}
        self._wake = threading.Condition()
        self._stop = threading.Event()
        self._worker: threading.Thread | None = None
        # room key -> the other processes' screens at this process's last write
        # (for the count shown while Redis refuses); rooms with streams here only.
        self._others: dict[str, int] = {}
        self.writes_failed = 0
        self._alive: set[str] | None = None  # the live processes at the last heartbeat
        self._next_heartbeat = 0.0
        if self.bus is not None:
            self.bus.on_presence = self._remote

    def changed(self, key: str) -> None:
        """A stream of the room opened or closed here: tell the room (never waits
        for Redis)."""
        if self.bus is None:
            self._show(key, self.streams.count(key), None)
            return
        with self._wake:
            if self._worker is None and not self._stop.is_set():
                self._worker = threading.Thread(target=self._work, name="coding-duo-presence",
                                                daemon=True)
                self._worker.start()
            self._dirty[key] = None
            self._wake.notify()

    def recount(self) -> None:
        """Write this process's count of every room it has streams for again (after a
        resubscription: a restarted Redis has lost them all, and a process that saw no
        change in the live set would not write them otherwise)."""
        if self.bus is not None:
            for key in self.streams.keys():
                self.changed(key)

    def pending(self) -> int:
        """Rooms whose count is waiting to be written (tests, metrics)."""
        with self._wake:
            return len(self._dirty)

    def stop(self) -> None:
        """Stop the worker, and leave the live set: the others recount without us. The
        leaving is a Redis call on a thread of its own: this runs in the SIGTERM handler,
        on waitress's thread, and a Redis refusing writes (a failover) would hold every
        stream's ending and every flush for its 2 s timeout."""
        self._stop.set()
        with self._wake:
            self._wake.notify_all()
            started = self._worker is not None
        if started:
            threading.Thread(target=self._leave, name="screens-leave", daemon=True).start()

    def _leave(self) -> None:
        try:
            self.bus.client.zrem(self._alive_key, self.process)
        except self.bus._redis_module.RedisError:
            pass  # the others leave us out once our heartbeat is DEAD_MS old

    @property
    def _alive_key(self) -> str:
        return f"{self.namespace}:screens:alive"

    def _heartbeat(self) -> None:
        """Say this process is alive; when the live set changed, recount our rooms."""
        now = time.monotonic()
        if now < self._next_heartbeat:
            return
        self._next_heartbeat = now + HEARTBEAT_SECONDS
        now_ms = int(time.time() * 1000)
        try:
            with self.bus.client.pipeline(transaction=False) as pipe:
                pipe.zadd(self._alive_key, {self.process: now_ms})
                pipe.zremrangebyscore(self._alive_key, 0, now_ms - HASH_TTL_SECONDS * 1000)
                pipe.zrangebyscore(self._alive_key, now_ms - DEAD_MS, "+inf")
                alive = {_text(p) for p in pipe.execute()[-1]}
        except self.bus._redis_module.RedisError:
            return  # the count writes say it (presence outage)
        if self._alive is not None and alive != self._alive:
            with self._wake:
                for key in self.streams.keys():
                    self._dirty.setdefault(key, None)
        self._alive = alive

    def _work(self) -> None:
        delay = 0.05
        while not self._stop.is_set():
            self._heartbeat()
            with self._wake:
                self._wake.wait_for(lambda: self._dirty or self._stop.is_set(), HEARTBEAT_SECONDS)
                if not self._dirty:
                    continue
                key = next(iter(self._dirty))
                del self._dirty[key]
            try:
                written = self._write(key)
            except Exception:  # noqa: BLE001 - one bad room must not stop the worker
                log.exception("could not count the screens of room %s", key)
                written = True
            if written:
                delay = 0.05
                continue
            with self._wake:
                self._dirty.setdefault(key, None)  # retried when Redis takes writes again
            self._stop.wait(delay)
            delay = min(delay * 2, RETRY_MAX_SECONDS)

    def _write(self, key: str) -> bool:
        """Write this process's count of the room, and show and publish the total with
        the order Redis gave it. False: Redis did not take it (retry later)."""
        local = self.streams.count(key)
        name = f"{self.namespace}:screens:{key}"
        now_ms = int(time.time() * 1000)
        try:
            with self.bus.client.pipeline(transaction=True) as pipe:  # MULTI: count and order agree
                if local:
                    pipe.hset(name, self.process, local)
                else:
                    pipe.hdel(name, self.process)
                pipe.incr(name + ":order")
                pipe.expire(name, HASH_TTL_SECONDS)
                pipe.expire(name + ":order", HASH_TTL_SECONDS)
                pipe.hgetall(name)
                pipe.zadd(self._alive_key, {self.process: now_ms})
                pipe.zrangebyscore(self._alive_key, now_ms - DEAD_MS, "+inf")
                pipe.time()
                results = pipe.execute()
        except self.bus._redis_module.RedisError as error:
            self.writes_failed += 1
            self.bus.presence.failed(error)
            self._show(key, local + self._others.get(key, 0), None)  # the best guess meanwhile
            return False
        self.bus.presence.ok()
        alive = {_text(p) for p in results[-2]}
        fields = {_text(k): int(v) for k, v in results[-4].items()}
        others = sum(v for k, v in fields.items() if k != self.process and k in alive)
        if local:
            self._others[key] = others
        else:
            self._others.pop(key, None)
        order = _order(results[-1], results[1])
        self._show(key, local + others, order)
        self.bus.publish_presence(key, local + others, self.process, order)
        return True

    def _show(self, key: str, total: int, order: int | None) -> None:
        """Push the count to this process's screens of the room, unless a newer one
        was pushed already."""
        with self._lock:
            if self.streams.count(key) == 0:
                self._seen.pop(key, None)  # nobody here to tell
                return
            if order is not None:
                if order <= self._seen.get(key, 0):
                    return
                self._seen[key] = order
            elif self.bus is None:
                total = self.streams.count(key)  # one process: the count as it is now
            self.streams.broadcast(key, EVENT, presence_data(total))

    def _remote(self, key: str, total: int, process: str, order: int | None = None) -> None:
        if process != self.process:
            self._show(key, total, order)


def _order(redis_time, serial) -> int:
    """A count's order: Redis's clock when it took the write (in microseconds; one
    ``MULTI`` runs at a time), then the room's counter. The counter alone starts again
    at 1 when Redis lost its data (restarted without persistence, a failover to a
    replica behind, the key expired), and every count after that looked older than
    the last one shown."""
    seconds, micros = redis_time
    return (int(seconds) * 1_000_000 + int(micros)) * 1000 + int(serial) % 1000


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else value
