"""The per-process machinery, built once per application by the factory and
reachable from views as ``context.duo()``: the registries, the scheduler
service, the bus and the stream cap. The composition root: it imports every
feature; nothing imports it but the factory."""
from __future__ import annotations

import functools
import logging

from .admin.retention import scheduled_pass
from .rooms.locks import RoomLocks
from .rooms.sessions import let_go_of_connection
from .streams.bus import make_bus
from .streams.cap import SnapshotSlots, StreamCap
from .streams.registry import EventStreamsRegistry
from .streams.screens import Screens
from .timer.clock_skew import ClockSkew
from .timer.registries import SchedulerRegistry, TimestampRegistry
from .timer.service import SchedulerService
from .tools.preview_jobs import PreviewJobs
from .tools.previews import LinkPreviewer

log = logging.getLogger(__name__)

RETENTION_JOB = "~retention"
CLOCK_SKEW_JOB = "~clock-skew"


class Duo:
    def __init__(self, app):
        config = app.config
        self.app = app
        self.config = config
        self.streams = EventStreamsRegistry(queue_size=config["STREAM_QUEUE_SIZE"])
        self.timestamps = TimestampRegistry()
        self.schedulers = SchedulerRegistry(pool_size=config["SCHEDULER_POOL_SIZE"])
        self.locks = RoomLocks(config["ROOM_LOCK_STRIPES"], before_wait=let_go_of_connection)
        self.stream_cap = StreamCap(config["MAX_STREAMS"], config["MAX_STREAMS_PER_CLIENT"])
        self.snapshot_slots = SnapshotSlots(config["SNAPSHOT_CONCURRENCY"])
        self.previewer = LinkPreviewer(
            allow_private=config["LINK_PREVIEW_ALLOW_PRIVATE"],
            timeout=config["LINK_PREVIEW_TIMEOUT_SECONDS"])
        self.previews = PreviewJobs(
            self.previewer, workers=config["LINK_PREVIEW_WORKERS"],
            queue=config["LINK_PREVIEW_QUEUE"], per_room=config["LINK_PREVIEWS_PER_ROOM"],
            per_client=config["LINK_PREVIEWS_PER_CLIENT"])
        self.clock_skew = ClockSkew(config["CLOCK_SKEW_WARN_MS"], config["CLOCK_SKEW_TEST_OFFSET_MS"])
        self.stopping = False
        self._shut_down = False
        self.server_dispatcher = None  # waitress's task dispatcher, set by app.py (metrics)
        self.bus, self.presence = make_bus(config, self.streams)
        self.screens = Screens(self.streams, self.bus, config.get("REDIS_NAMESPACE") or "coding-duo")
        postgres = config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
        self.timers = SchedulerService(
            app, self.streams, self.timestamps, self.schedulers, self.locks,
            self.bus, self.presence, empty_room_grace_seconds=config["EMPTY_ROOM_GRACE_SECONDS"],
            idle_seconds=config["ROOM_MEMORY_IDLE_SECONDS"],
            version_check_seconds=config["VERSION_CHECK_SECONDS"] if self.bus.shared else 0,
            recent_check_seconds=config["RECENT_VERSION_CHECK_SECONDS"],
            time_up_swap_window_seconds=config["TIME_UP_SWAP_WINDOW_SECONDS"],
            row_lock_idle_ms=config["ROW_LOCK_IDLE_MS"] if postgres else 0,
            share_locks=postgres)

    def start(self) -> None:
        """Start the scheduler (once per process) and resume running timers."""
        self.schedulers.start()
        recovered = self.timers.recover()
        self.timers.start_jobs()
        config = self.config
        if config["ROOM_RETENTION_DAYS"] is not None or config["COMPLETED_ROOM_RETENTION_DAYS"] is not None:
            self.schedulers.every(RETENTION_JOB, functools.partial(scheduled_pass, self.app, self),
                                  config["RETENTION_CHECK_SECONDS"])
        self.clock_skew.check(self.app)
        self.schedulers.every(CLOCK_SKEW_JOB, functools.partial(self.clock_skew.check, self.app),
                              config["CLOCK_SKEW_CHECK_SECONDS"])
        self.bus.start(on_batch=self.timers.apply_remote, on_reconnect=self._resubscribed)
        log.info("scheduler started; %d running timer(s) resumed; events via %s", recovered,
                 type(self.bus).__name__)

    def _resubscribed(self) -> None:
        """The bus is back after an outage: counts and rooms may have been missed."""
        self.screens.recount()  # a restarted Redis has lost every count
        self.timers.heal()

    def stop_serving(self) -> None:
        """SIGTERM: stop ticking and end every stream (browsers reconnect by themselves,
        to whichever process serves next). The bus keeps publishing until the process
        exits: a command waitress still answers meanwhile is committed, and the other
        processes must hear of it (bench/chaos.py: a start answered 0.4 s after SIGTERM
        reached nobody, and with no process knowing its room ran, its time-up came
        1.5 s late, when a command happened to touch the room). Once."""
        if self.stopping:
            return
        self.stopping = True
        self.screens.stop()
        self.previews.shutdown()
        self.schedulers.shutdown()
        self.streams.close_all()

    def shutdown(self) -> None:
        """As the process exits: ``stop_serving``, then the bus (what is still in its
        outbox gets its flush). Once: app.py calls it on SIGTERM's way out and again as
        it exits (each Redis call here may wait its 2 s timeout when Redis refuses
        writes)."""
        if self._shut_down:
            return
        self._shut_down = True
        self.stop_serving()
        self.bus.stop()
