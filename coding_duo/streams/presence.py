"""Presence: "when was anyone last connected to this room, anywhere?", for the
empty-room rule and retention. From this process's streams alone
(``LocalPresence``), or through a Redis sorted set every process refreshes for
the rooms it has clients of (``RedisPresence``)."""
from __future__ import annotations

import time


class LocalPresence:
    def __init__(self, streams):
        self.streams = streams

    def refresh(self, keys: list[str], now_ms: int) -> None:
        pass

    def last_seen(self, keys: list[str]) -> dict[str, int | None] | None:
        """Epoch ms when each room last had a stream (None: not in this process's memory)."""
        now_ms, now_mono = time.time() * 1000, time.monotonic()
        seen = {}
        for key in keys:
            emptied = self.streams.emptied_at(key)
            seen[key] = None if emptied is None else int(now_ms - (now_mono - emptied) * 1000)
        return seen


    def live_rooms(self, within_ms: int) -> int:
        """Rooms with a stream now (this process is the only one)."""
        return len(self.streams.keys())


class RedisPresence:
    def __init__(self, bus, namespace: str):  # bus: the RedisBus whose client it uses
        self.bus = bus
        self.key = f"{namespace}:presence"

    def refresh(self, keys: list[str], now_ms: int) -> None:
        if not keys:
            return
        try:
            with self.bus.client.pipeline(transaction=False) as pipe:
                pipe.zadd(self.key, {key: now_ms for key in keys})
                pipe.zremrangebyscore(self.key, 0, now_ms - 24 * 3600 * 1000)  # long gone
                pipe.execute()
        except self.bus._redis_module.RedisError as error:
            self.bus.presence.failed(error)
            return
        self.bus.presence.ok()

    def last_seen(self, keys: list[str]) -> dict[str, int | None] | None:
        """None when Redis cannot say (then nobody is paused for being alone)."""
        if not keys:
            return {}
        try:
            scores = self.bus.client.zmscore(self.key, keys)
        except self.bus._redis_module.RedisError as error:
            self.bus.presence.failed(error)
            return None
        self.bus.presence.ok()
        return {key: None if score is None else int(score) for key, score in zip(keys, scores)}

    def live_rooms(self, within_ms: int) -> int | None:
        """Rooms some process had a stream for within ``within_ms`` (None: Redis down)."""
        try:
            return self.bus.client.zcount(self.key, time.time() * 1000 - within_ms, "+inf")
        except self.bus._redis_module.RedisError:
            return None
