"""How a room's changes reach every process, and who is in which room.

A change is decided once, in the database, by whichever process got the
command. It becomes a ``Batch``: the room key, the room's new version, its
timer, and the events for browsers. The deciding process applies it to itself
at once; the bus carries it to the others.

- ``LocalBus`` (no ``REDIS_URL``): one process, nothing to carry.
- ``RedisBus``: one pub/sub channel, one subscriber thread per process (not one
  Redis connection per browser). If Redis goes away, local clients keep their
  own process's ticks; the bus logs it once, reconnects by itself, and then
  asks the process to heal (reload from the database what it may have missed).

Presence answers "when was anyone last connected to this room, anywhere?",
for the empty-room rule: from this process's streams alone, or through a Redis
sorted set every process refreshes for the rooms it has clients of.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field

from ..timer.domain import Timer, TimerStatus

log = logging.getLogger(__name__)


@dataclass
class Batch:
    key: str
    version: int
    timer: Timer
    events: list = field(default_factory=list)  # [(event name, data)]
    deleted: bool = False  # the room is gone: processes forget it

    def to_json(self) -> str:
        t = self.timer
        return json.dumps({
            "key": self.key, "version": self.version, "events": self.events,
            "deleted": self.deleted,
            "timer": [t.duration_ms, t.remaining_ms, t.status.value, t.ends_at_ms, t.id],
        }, separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str | bytes) -> "Batch":
        return cls.from_dict(json.loads(text))

    @classmethod
    def from_dict(cls, data: dict) -> "Batch":
        duration, remaining, status, ends_at, timer_id = data["timer"]
        return cls(data["key"], data["version"],
                   Timer(duration, remaining, TimerStatus(status), ends_at, timer_id),
                   [tuple(e) for e in data["events"]], data.get("deleted", False))


class LocalBus:
    """One process: the deciding process is the only one."""

    connected = True

    def start(self, on_batch, on_reconnect) -> None:
        pass

    def publish(self, batch: Batch) -> None:
        pass

    def stop(self) -> None:
        pass


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


class RedisBus:
    def __init__(self, url: str, namespace: str):
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry
        self._redis_module = redis
        # No retries: a publish happens under a room's lock and must fail fast.
        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2,
                                           health_check_interval=5,
                                           retry=Retry(NoBackoff(), 0))
        self.channel = f"{namespace}:events"
        self.connected = False
        self._down_logged = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.on_presence = None  # set by streams.screens.Screens: (key, screens, process)

    def start(self, on_batch, on_reconnect) -> None:
        self._on_batch, self._on_reconnect = on_batch, on_reconnect
        self._thread = threading.Thread(target=self._listen, name="coding-duo-bus", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def publish(self, batch: Batch) -> None:
        if not self.connected:
            return  # down: the other processes heal from the database when it is back
        try:
            self.client.publish(self.channel, batch.to_json())
        except self._redis_module.RedisError as error:
            self._went_down(error)

    def publish_presence(self, key: str, screens: int, process: str) -> None:
        """A room's screen count, for the other processes' browsers (not a Batch)."""
        if not self.connected:
            return
        try:
            self.client.publish(self.channel, json.dumps(
                {"presence": key, "screens": screens, "process": process}))
        except self._redis_module.RedisError as error:
            self._went_down(error)

    def _dispatch(self, raw) -> None:
        data = json.loads(raw)
        if "presence" in data:
            if self.on_presence is not None:
                self.on_presence(data["presence"], int(data["screens"]), data["process"])
            return
        self._on_batch(Batch.from_dict(data))

    def _went_down(self, error) -> None:
        self.connected = False
        if not self._down_logged:
            self._down_logged = True
            log.error("Redis unavailable (%s): this process keeps serving its own clients "
                      "and will reconnect by itself", error)

    def _listen(self) -> None:
        delay = 0.2
        first = True
        while not self._stop.is_set():
            pubsub = self.client.pubsub(ignore_subscribe_messages=True)
            try:
                pubsub.subscribe(self.channel)
                pubsub.get_message(timeout=1.0)  # the subscribe confirmation
                self.connected = True
                if not first:
                    log.warning("Redis is back: resubscribed; healing from the database")
                    self._on_reconnect()
                first, delay, self._down_logged = False, 0.2, False
                while not self._stop.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message and message["type"] == "message":
                        try:
                            self._dispatch(message["data"])
                        except Exception:  # noqa: BLE001 - one bad message must not stop the bus
                            log.exception("could not apply a message from the bus")
            except self._redis_module.RedisError as error:
                self._went_down(error)
                first = False
                time.sleep(delay)
                delay = min(delay * 2, 5.0)
            finally:
                try:
                    pubsub.close()
                except Exception:  # noqa: BLE001
                    pass


class RedisPresence:
    def __init__(self, bus: RedisBus, namespace: str):
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
            self.bus._went_down(error)

    def live_rooms(self, within_ms: int) -> int | None:
        """Rooms some process had a stream for within ``within_ms`` (None: Redis down)."""
        try:
            return self.bus.client.zcount(self.key, time.time() * 1000 - within_ms, "+inf")
        except self.bus._redis_module.RedisError:
            return None

    def last_seen(self, keys: list[str]) -> dict[str, int | None] | None:
        """None when Redis cannot say (then nobody is paused for being alone)."""
        if not keys:
            return {}
        try:
            scores = self.bus.client.zmscore(self.key, keys)
        except self.bus._redis_module.RedisError as error:
            self.bus._went_down(error)
            return None
        return {key: None if score is None else int(score) for key, score in zip(keys, scores)}


def make_bus(config, streams):
    url = config.get("REDIS_URL")
    if not url:
        return LocalBus(), LocalPresence(streams)
    namespace = config["REDIS_NAMESPACE"]
    bus = RedisBus(url, namespace)
    return bus, RedisPresence(bus, namespace)
