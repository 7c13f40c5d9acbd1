"""SchedulerService: the timer's commands (start, pause, update, swap, status,
delete) and what a new stream is told. The machinery is in four parts, each a
module of this package: ``transitions`` (how a change is decided once and
reaches every process), ``delivery`` (batches to browsers in version order,
resyncs, a new stream's snapshot), ``ticks`` (the per-second tick and each room's job) and
``sweep`` (the once-a-second sweep and recovery).
"""
from __future__ import annotations

import threading

from ..rooms.locks import RoomLocks
from ..rooms.models import PairRoom, RoomStatus
from ..rooms.service import (ensure_writable, follows_time_up, mark_deleted, pair_json,
                             room_state, rotate_roles)
from ..streams.registry import EventStreamsRegistry
from .delivery import Delivery
from .domain import Timer, now_ms
from .memory import Memory
from .registries import SchedulerRegistry, TimestampRegistry
from .sweep import Sweep
from .ticks import Ticks
from .transitions import Transitions
from .version_checks import VersionChecks


class SchedulerService(Transitions, Delivery, VersionChecks, Ticks, Sweep, Memory):
    def __init__(self, app, streams: EventStreamsRegistry, timestamps: TimestampRegistry,
                 schedulers: SchedulerRegistry, locks: RoomLocks, bus, presence,
                 empty_room_grace_seconds: float, clock=now_ms, idle_seconds: float = 600,
                 version_check_seconds: float = 0.0, recent_check_seconds: float = 0.0,
                 time_up_swap_window_seconds: float = 5,
                 row_lock_idle_ms: int = 0, share_locks: bool = False):
        self.app = app
        self.streams = streams
        self.timestamps = timestamps
        self.schedulers = schedulers
        self.locks = locks  # decisions: held across the database work of a change
        # Memory and broadcasts: held only for what is in memory, never across the
        # database or the network (so a command waiting for a stalled database link
        # holds neither the room's ticks nor the bus listener's deliveries). A thread
        # may take a room's delivery lock while holding its decision lock, never the
        # other way round.
        self.deliveries = RoomLocks(len(locks))
        self.row_lock_idle_ms = row_lock_idle_ms  # PostgreSQL only (0: not set)
        # A joining stream's read holds off changes only where rows can be share-locked;
        # elsewhere (SQLite) it takes the decision lock (see Delivery.open_stream).
        self.share_locks = share_locks
        self.bus = bus
        self.presence = presence
        self.grace_ms = int(empty_room_grace_seconds * 1000)
        self.idle_seconds = idle_seconds  # an idle room's memory is let go after this
        self._next_eviction = 0.0
        self.version_check_seconds = version_check_seconds  # 0: one process, no check
        self.recent_check_seconds = recent_check_seconds  # 0: rooms by key only
        self._next_full_check = 0.0  # monotonic: when the version check reads every room again
        self._behind: dict[str, tuple[int, int]] = {}  # key -> (version, due ms): to heal
        self._behind_lock = threading.Lock()
        self.swap_window_ms = int(time_up_swap_window_seconds * 1000)
        self.clock = clock
        self.started_at = clock()
        self.ticks_sent = 0
        self._delivered: dict[str, int] = {}  # room key -> the batch version delivered up to
        # room key -> what its screens here were last told of the timer (``Told``): a resync
        # says what they missed as the batches it stands for did (a time-up's stop, a pause,
        # coduo's ``update`` and ``complete``).
        self._told: dict = {}
        self._pending: dict[str, dict] = {}  # room key -> {version: Batch} that came early
        self._ticking: dict[str, int] = {}  # room key -> the deadline its tick job follows
        # room key -> (deadline, version told) a past-deadline decision was queued for
        self._hurried: dict[str, tuple] = {}
        # room key -> the last value its current tick job reported: a tick that went
        # the slow way and came late never reports a higher value after a lower one.
        self._last_tick: dict[str, int] = {}

    # ----- reading -------------------------------------------------------------------

    def cached_timer(self, key: str) -> Timer | None:
        return self.timestamps.get(key)

    def timer_for(self, room: PairRoom) -> Timer:
        """The room's timer: memory, unless the room just read from the database is newer."""
        self.timestamps.put(room.access_code, room.timer.to_domain(), room.version)
        return self.timestamps.get(room.access_code)

    def state_events(self, room: PairRoom, told_running: bool = False) -> list[tuple[str, object]]:
        """What a browser needs right after connecting, in order. ``told_running``:
        for screens last told a running timer (a resync), how it stopped too."""
        timer = self.timer_for(room)
        now = self.clock()
        events: list[tuple[str, object]] = [("connect", "OK")]
        if timer.running:
            events.append(("timer", "running"))
        elif follows_time_up(room, timer, now, self.swap_window_ms):
            # A screen that missed the time-up (it was reconnecting, or its process lost
            # the bus) still hears the turn end: coduo's client ends a turn only on "0".
            # The swap each such screen then asks for is that time-up's (the window).
            events.append(("remaining-time", "0"))
            if told_running:  # they counted that turn down: the room page rings on stop
                events.append(("timer", "stop"))
        elif told_running:
            events.append(("timer", "pause"))  # coduo's client stops running only on it
        events.append(("remaining-time", str(timer.reported(now))))
        events.append(("room", room_state(room, timer, now)))
        return events

    # ----- commands ------------------------------------------------------------------

    def start(self, room: PairRoom) -> bool:
        cached = self.timestamps.get(room.access_code)
        if cached is not None and cached.running:
            return False  # hot path: a burst of starts is answered from memory

        def decide(change, timer, now):
            ensure_writable(change.room)
            if timer.start(now):
                change.room.last_time_up_at_ms = None  # the next turn has begun
                change.emit("timer", "start")
        return self._transition(room.access_code, decide)

    def pause(self, room: PairRoom) -> bool:
        return self._transition(room.access_code, self._decide_pause)

    def update(self, room: PairRoom, duration_ms: int, remaining_ms: int) -> None:
        def decide(change, timer, now):
            ensure_writable(change.room)
            change.room.paired_ms += timer.paired_elapsed(now)  # the run restarts from here
            timer.update(duration_ms, remaining_ms, now)
            change.emit("timer", "update")
            change.emit("remaining-time", str(timer.reported(now)))
        self._transition(room.access_code, decide)

    def swap(self, room: PairRoom, new: bool = False) -> bool:
        """Swap driver and navigator; False when the swap was acknowledged instead:
        asked for (without ``new``) just after a time-up that swapped already."""
        def decide(change, timer, now):
            ensure_writable(change.room)
            if not new and follows_time_up(change.room, timer, now, self.swap_window_ms):
                return  # that time-up's swap: 204, no event, no change
            rotate_roles(change.room)
            change.emit("pair", pair_json(change.room))
        return self._transition(room.access_code, decide)

    def change(self, key: str, decide) -> bool:
        """A change to the room decided by another feature (the roster, the goal):
        ``decide(change, timer, now)`` as for the commands here; False if it changed
        nothing."""
        return self._transition(key, decide)

    def set_status(self, room: PairRoom, status: str) -> None:
        """IN_PROGRESS or COMPLETED; completing stops the timer."""
        def decide(change, timer, now):
            ensure_writable(change.room, allow_completed=True)
            if status == RoomStatus.COMPLETED.value:
                self._decide_pause(change, timer, now)
                if not change.room.completed:
                    change.emit("timer", "complete")  # coduo's screens go to the retrospective
            change.room.status = status
            change.mark()
        self._transition(room.access_code, decide)

    def delete(self, room: PairRoom) -> None:
        """The room is closed: timer stopped, every stream in every process gets
        ``close`` and ends, nothing of it stays in memory."""
        def decide(change, timer, now):
            ensure_writable(change.room, allow_completed=True)
            self._decide_pause(change, timer, now)
            mark_deleted(change.room)
            change.emit("close", "OK")
            change.deleted = True
        self._transition(room.access_code, decide)

    def close_streams(self, room: PairRoom) -> None:
        """Every stream of the room, in every process, gets ``close`` and ends."""
        with self.room_change(room.access_code) as change:
            change.emit("close", "OK")
