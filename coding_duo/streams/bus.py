"""How a room's changes reach every process, and who is in which room.

A change is decided once, in the database, by whichever process got the
command. It becomes a ``Batch``: the room key, the room's new version, its
timer, and the events for browsers. The deciding process applies it to itself
at once; the bus carries it to the others.

- ``LocalBus`` (no ``REDIS_URL``): one process, nothing to carry.
- ``RedisBus``: one pub/sub channel, one subscriber thread per process (not one
  Redis connection per browser), and one sender thread publishing from an
  outbox. If Redis goes away (or only refuses writes for a while), local clients
  keep their own process's ticks; publishing and the subscription each log the
  outage and its end once, and retry by themselves: unsent batches go out when
  Redis takes them, and after resubscribing the process heals (reloads from the
  database what it may have missed). A periodic version check (see
  ``timer.delivery``) catches whatever else was lost.

Presence (who was last connected where) lives in ``streams.presence``;
``make_bus`` builds the bus and the presence that go together.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field

from ..timer.domain import Timer, TimerStatus
from .outbox import OUTBOX_BYTES, Outbox
from .presence import LocalPresence, RedisPresence

log = logging.getLogger(__name__)


@dataclass
class Batch:
    key: str
    version: int
    timer: Timer
    events: list = field(default_factory=list)  # [(event name, data)]
    deleted: bool = False  # the room is gone: processes forget it
    time_up_at: int | None = None  # the room's last time-up after this change (turn or break)

    def to_json(self) -> str:
        t = self.timer
        return json.dumps({
            "key": self.key, "version": self.version, "events": self.events,
            "deleted": self.deleted, "timeUpAt": self.time_up_at,
            "timer": [t.duration_ms, t.remaining_ms, t.status.value, t.ends_at_ms, t.id,
                      t.kind, t.turn_ms],
        }, separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str | bytes) -> "Batch":
        return cls.from_dict(json.loads(text))

    @classmethod
    def from_dict(cls, data: dict) -> "Batch":
        duration, remaining, status, ends_at, timer_id, *kind = data["timer"]
        return cls(data["key"], data["version"],
                   Timer(duration, remaining, TimerStatus(status), ends_at, timer_id, *kind),
                   [tuple(e) for e in data["events"]], data.get("deleted", False),
                   data.get("timeUpAt"))


class LocalBus:
    """One process: the deciding process is the only one."""

    connected = True
    shared = False  # no other process: nothing to check versions against

    def start(self, on_batch, on_reconnect) -> None:
        pass

    def publish(self, batch: Batch) -> None:
        pass

    def stop(self) -> None:
        pass


class Outage:
    """One thing that talks to Redis (publishing, the subscription, presence): logs
    when it starts failing and when it works again, once each."""

    def __init__(self, what: str):
        self.what = what
        self.down = False

    def failed(self, error) -> None:
        if not self.down:
            self.down = True
            log.error("Redis unavailable for %s (%s): this process keeps serving its own "
                      "clients and retries by itself", self.what, error)

    def ok(self) -> None:
        if self.down:
            self.down = False
            log.warning("Redis is back for %s", self.what)


class RedisBus:
    """Publishing goes through an outbox and a sender thread: a command never waits
    for Redis, and a batch that could not be published is retried (with backoff)
    until Redis takes it, whatever the subscription is doing."""

    shared = True

    def __init__(self, url: str, namespace: str, ssl_cert_reqs: str | None = None,
                 outbox_bytes: int = OUTBOX_BYTES):
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry
        self._redis_module = redis
        options = {}
        if ssl_cert_reqs and url.startswith("rediss://"):
            options["ssl_cert_reqs"] = ssl_cert_reqs
        # No retries inside redis-py: the sender and the listener retry themselves.
        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2,
                                           health_check_interval=5,
                                           retry=Retry(NoBackoff(), 0), **options)
        self.safe_url = _without_password(url)
        self.channel = f"{namespace}:events"
        self.connected = False
        self.subscription = Outage("the subscription")
        self.publishing = Outage("publishing")
        self.presence = Outage("presence")
        self._stop = threading.Event()
        self.outbox = Outbox(outbox_bytes)
        self._outbox_ready = threading.Condition()
        self._threads: list[threading.Thread] = []
        self.on_presence = None  # set by streams.screens.Screens: (key, screens, process)

    def start(self, on_batch, on_reconnect) -> None:
        self._on_batch, self._on_reconnect = on_batch, on_reconnect
        try:
            self.client.ping()
        except self._redis_module.RedisError as error:
            log.error("Redis at %s cannot be reached at start (%s): changes will not reach "
                      "other processes until it answers (retrying by itself)", self.safe_url, error)
        for target, name in ((self._listen, "coding-duo-bus"), (self._send, "coding-duo-publish")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, flush_seconds: float = 1.0) -> None:
        """Stop listening; what is still in the outbox gets ``flush_seconds`` to go out."""
        self._stop.set()
        with self._outbox_ready:
            self._outbox_ready.notify_all()
        for thread in self._threads:
            if thread.name == "coding-duo-publish":
                thread.join(flush_seconds)

    def publish(self, batch: Batch) -> None:
        """Queue the batch for the sender thread (never blocks)."""
        with self._outbox_ready:
            self.outbox.append(batch.to_json())
            self._outbox_ready.notify()

    def publish_presence(self, key: str, screens: int, process: str, order: int) -> None:
        """A room's screen count and its order, for the other processes' browsers."""
        with self._outbox_ready:
            self.outbox.append(json.dumps({"presence": key, "screens": screens,
                                            "process": process, "order": order}))
            self._outbox_ready.notify()

    def _dispatch(self, raw) -> None:
        data = json.loads(raw)
        if "presence" in data:
            if self.on_presence is not None:
                self.on_presence(data["presence"], int(data["screens"]), data["process"],
                                 data.get("order"))
            return
        self._on_batch(Batch.from_dict(data))

    def _send(self) -> None:
        delay = 0.05
        while True:
            with self._outbox_ready:
                self._outbox_ready.wait_for(lambda: self.outbox or self._stop.is_set(), 1.0)
                if not self.outbox:
                    if self._stop.is_set():
                        return
                    continue
                message = self.outbox.first()
            try:
                self.client.publish(self.channel, message)
            except self._redis_module.RedisError as error:
                self.publishing.failed(error)
                if self._stop.is_set():
                    return  # shutting down: the others resync from the database
                self._stop.wait(delay)
                delay = min(delay * 2, 2.0)
                continue
            delay = 0.05
            self.publishing.ok()
            with self._outbox_ready:
                self.outbox.sent(message)
                self.outbox.report()

    def _listen(self) -> None:
        delay = 0.2
        first = True
        while not self._stop.is_set():
            pubsub = self.client.pubsub(ignore_subscribe_messages=True)
            try:
                pubsub.subscribe(self.channel)
                pubsub.get_message(timeout=1.0)  # the subscribe confirmation
                self.connected = True
                self.subscription.ok()
                if not first:
                    log.warning("Redis: resubscribed; healing from the database")
                    self._on_reconnect()
                first, delay = False, 0.2
                while not self._stop.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message and message["type"] == "message":
                        try:
                            self._dispatch(message["data"])
                        except Exception:  # noqa: BLE001 - one bad message must not stop the bus
                            log.exception("could not apply a message from the bus")
            except self._redis_module.RedisError as error:
                self.connected = False
                self.subscription.failed(error)
                first = False
                time.sleep(delay)
                delay = min(delay * 2, 5.0)
            finally:
                try:
                    pubsub.close()
                except Exception:  # noqa: BLE001
                    pass


def _without_password(url: str) -> str:
    """The URL as it may appear in a log."""
    from urllib.parse import urlsplit
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    return parts._replace(netloc=f"***@{host}").geturl()


def make_bus(config, streams):
    url = config.get("REDIS_URL")
    if not url:
        return LocalBus(), LocalPresence(streams)
    namespace = config["REDIS_NAMESPACE"]
    cert_reqs = config.get("REDIS_SSL_CERT_REQS")
    if cert_reqs not in (None, "none", "optional", "required"):
        raise ValueError(f"REDIS_SSL_CERT_REQS must be none, optional or required, "
                         f"not {cert_reqs!r}")
    bus = RedisBus(url, namespace, cert_reqs, config.get("BUS_OUTBOX_BYTES", OUTBOX_BYTES))
    return bus, RedisPresence(bus, namespace)
