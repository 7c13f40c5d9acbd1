"""Who is in the room: how many screens have its stream open, pushed to the room
as a ``presence`` event ``{"screens": N}`` whenever a stream opens or closes.

One process (no Redis): the count is this process's ``EventStreamsRegistry``.
Several processes: each process writes its own count for the room into a Redis
hash (``<namespace>:screens:<room key>``, one field per process, expiring an hour
after the last change), the total is the sum of the fields, and the process that
saw the change says so on the bus so every process pushes the total to its own
browsers. A process that dies without closing its streams leaves its count in the
hash until that room's next change from the same process or the hash expires:
the number is for people ("2 screens"), nothing is decided by it.
"""
from __future__ import annotations

import json
import logging
import threading
import uuid

log = logging.getLogger(__name__)

EVENT = "presence"
HASH_TTL_SECONDS = 3600


def presence_data(screens: int) -> str:
    return json.dumps({"screens": screens}, separators=(",", ":"))


class Screens:
    def __init__(self, streams, bus=None, namespace: str = "coding-duo"):
        self.streams = streams
        self.bus = bus if getattr(bus, "client", None) is not None else None
        self.namespace = namespace
        self.process = uuid.uuid4().hex
        self._lock = threading.Lock()  # what this process's screens were shown
        # A process writes its count into the hash in the order it took them: two
        # streams closing at once must not leave the older count standing.
        self._count_lock = threading.Lock()
        # room key -> the newest count's order shown here: counts computed by several
        # processes at once reach each process in any order, and an older total must
        # not overwrite a newer one. Kept only for rooms with streams here.
        self._seen: dict[str, int] = {}
        if self.bus is not None:
            self.bus.on_presence = self._remote

    def changed(self, key: str) -> None:
        """A stream of the room opened or closed here: tell the room."""
        with self._count_lock:
            local = self.streams.count(key)
            total, order = self._total(key, local)
        self._show(key, total, order)
        if self.bus is not None and order is not None:
            self.bus.publish_presence(key, total, self.process, order)

    def _total(self, key: str, local: int) -> tuple[int, int | None]:
        """(screens in the room, the order Redis gave this count; None: no order)."""
        if self.bus is None or not self.bus.connected:
            return local, None
        name = f"{self.namespace}:screens:{key}"
        try:
            with self.bus.client.pipeline(transaction=True) as pipe:  # MULTI: count and order agree
                if local:
                    pipe.hset(name, self.process, local)
                else:
                    pipe.hdel(name, self.process)
                pipe.incr(name + ":order")
                pipe.expire(name, HASH_TTL_SECONDS)
                pipe.expire(name + ":order", HASH_TTL_SECONDS)
                pipe.hvals(name)
                results = pipe.execute()
        except self.bus._redis_module.RedisError as error:
            self.bus.presence.failed(error)
            return local, None
        return max(local, sum(int(v) for v in results[-1])), int(results[1])

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
