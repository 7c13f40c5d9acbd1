"""The per-process machinery, built once per application and reachable from
views as ``duo()``: the registries, the scheduler service and the stream cap."""
from __future__ import annotations

import logging
import threading

from flask import current_app

from .bus import make_bus
from .link_preview import LinkPreviewer
from .locks import RoomLocks
from .registries import EventStreamsRegistry, SchedulerRegistry, TimestampRegistry
from .scheduler_service import SchedulerService

log = logging.getLogger(__name__)


class StreamCap:
    """At most ``limit`` open streams, so waitress always has threads for the API,
    and at most ``per_client`` from one address. A slot is taken in the view and
    released by ``Response.call_on_close``."""

    def __init__(self, limit: int, per_client: int):
        self.limit = limit
        self.per_client = per_client
        self._lock = threading.Lock()
        self.open = 0
        self._by_client: dict[str, int] = {}

    def acquire(self, client: str) -> str | None:
        """None if a slot was taken, else why not: "server" or "client"."""
        with self._lock:
            if self.open >= self.limit:
                return "server"
            if self._by_client.get(client, 0) >= self.per_client:
                return "client"
            self.open += 1
            self._by_client[client] = self._by_client.get(client, 0) + 1
            return None

    def release(self, client: str) -> None:
        with self._lock:
            self.open -= 1
            left = self._by_client.get(client, 1) - 1
            if left > 0:
                self._by_client[client] = left
            else:
                self._by_client.pop(client, None)


class Duo:
    def __init__(self, app):
        config = app.config
        self.config = config
        self.streams = EventStreamsRegistry(queue_size=config["STREAM_QUEUE_SIZE"])
        self.timestamps = TimestampRegistry()
        self.schedulers = SchedulerRegistry(pool_size=config["SCHEDULER_POOL_SIZE"])
        self.locks = RoomLocks()
        self.stream_cap = StreamCap(config["MAX_STREAMS"], config["MAX_STREAMS_PER_CLIENT"])
        self.previewer = LinkPreviewer(
            allow_private=config["LINK_PREVIEW_ALLOW_PRIVATE"],
            timeout=config["LINK_PREVIEW_TIMEOUT_SECONDS"])
        self.stopping = False
        self.server_dispatcher = None  # waitress's task dispatcher, set by app.py (metrics)
        self.bus, self.presence = make_bus(config, self.streams)
        self.timers = SchedulerService(
            app, self.streams, self.timestamps, self.schedulers, self.locks,
            self.bus, self.presence, empty_room_grace_seconds=config["EMPTY_ROOM_GRACE_SECONDS"])

    def start(self) -> None:
        """Start the scheduler (once per process) and resume running timers."""
        self.schedulers.start()
        recovered = self.timers.recover()
        self.timers.start_jobs()
        self.bus.start(on_batch=self.timers.apply_remote, on_reconnect=self.timers.heal)
        log.info("scheduler started; %d running timer(s) resumed; events via %s", recovered,
                 type(self.bus).__name__)

    def shutdown(self) -> None:
        """Stop ticking and end every stream (browsers reconnect by themselves)."""
        self.stopping = True
        self.bus.stop()
        self.schedulers.shutdown()
        self.streams.close_all()


def duo() -> Duo:
    return current_app.extensions["coding_duo"]
