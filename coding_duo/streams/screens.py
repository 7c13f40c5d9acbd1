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
        self._lock = threading.Lock()  # counts go out in the order they were taken
        if self.bus is not None:
            self.bus.on_presence = self._remote

    def changed(self, key: str) -> None:
        """A stream of the room opened or closed here: tell the room."""
        with self._lock:
            local = self.streams.count(key)
            total = self._total(key, local)
            self.streams.broadcast(key, EVENT, presence_data(total))
        if self.bus is not None:
            self.bus.publish_presence(key, total, self.process)

    def _total(self, key: str, local: int) -> int:
        if self.bus is None or not self.bus.connected:
            return local
        name = f"{self.namespace}:screens:{key}"
        try:
            with self.bus.client.pipeline(transaction=False) as pipe:
                if local:
                    pipe.hset(name, self.process, local)
                else:
                    pipe.hdel(name, self.process)
                pipe.expire(name, HASH_TTL_SECONDS)
                pipe.hvals(name)
                values = pipe.execute()[-1]
        except self.bus._redis_module.RedisError as error:
            self.bus.presence.failed(error)
            return local
        return max(local, sum(int(v) for v in values))

    def _remote(self, key: str, total: int, process: str) -> None:
        if process != self.process:
            self.streams.broadcast(key, EVENT, presence_data(total))
