"""SchedulerService: the timer's state transitions (start, pause, update,
time-up), the per-second tick, and the empty-room rule.

Every transition of a room happens under that room's lock, writes the
database first (so a restart or another process sees the truth), then updates
the ``TimestampRegistry`` and the ``SchedulerRegistry``, then broadcasts. Ticks
only read memory and report; they touch the database only when they decide a
transition (time-up, empty-room pause).
"""
from __future__ import annotations

import functools
import logging
import time

from flask import has_app_context
from sqlalchemy import select

from .extensions import db
from .models import PairRoom, TimerRecord
from .registries import EventStreamsRegistry, SchedulerRegistry, TimestampRegistry
from .locks import RoomLocks
from .rooms import ensure_writable, pair_json, room_state, swap_roles
from .timer import Timer, TimerStatus, now_ms

log = logging.getLogger(__name__)

TICK_SECONDS = 1.0


def in_app_context(method):
    """Scheduler jobs run on the scheduler's threads: give them an app context."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        if has_app_context():
            return method(self, *args, **kwargs)
        with self.app.app_context():
            return method(self, *args, **kwargs)
    return wrapper


class SchedulerService:
    def __init__(self, app, streams: EventStreamsRegistry, timestamps: TimestampRegistry,
                 schedulers: SchedulerRegistry, locks: RoomLocks,
                 empty_room_grace_seconds: float, clock=now_ms):
        self.app = app
        self.streams = streams
        self.timestamps = timestamps
        self.schedulers = schedulers
        self.locks = locks
        self.grace = empty_room_grace_seconds
        self.clock = clock
        self._running_since: dict[str, float] = {}  # monotonic, per running room
        self.ticks_sent = 0

    # ----- reading -------------------------------------------------------------------

    def cached_timer(self, key: str) -> Timer | None:
        return self.timestamps.get(key)

    def timer_for(self, room: PairRoom) -> Timer:
        """The room's timer from memory; loaded from the database the first time."""
        timer = self.timestamps.get(room.access_code)
        if timer is None:
            timer = self.timestamps.setdefault(room.access_code, room.timer.to_domain())
        return timer

    def state_events(self, room: PairRoom) -> list[tuple[str, object]]:
        """What a browser needs right after connecting, in order."""
        timer = self.timer_for(room)
        now = self.clock()
        events: list[tuple[str, object]] = [("connect", "OK")]
        if timer.running:
            events.append(("timer", "running"))
        events.append(("remaining-time", str(timer.remaining(now))))
        events.append(("room", room_state(room, timer, now)))
        return events

    # ----- commands ------------------------------------------------------------------

    def start(self, room: PairRoom) -> bool:
        key = room.access_code
        with self.locks(key):
            ensure_writable(room)
            timer = self.timer_for(room)
            now = self.clock()
            if not timer.start(now):
                return False  # already running: starting again changes nothing
            room = self._save(key, timer)
            self._schedule(key, timer, now)
            self._running_since[key] = time.monotonic()
            self.streams.broadcast(key, "timer", "start")
            self.streams.broadcast(key, "room", room_state(room, timer, now))
            return True

    def pause(self, room: PairRoom) -> bool:
        with self.locks(room.access_code):
            return self._pause_locked(room.access_code)

    def update(self, room: PairRoom, duration_ms: int, remaining_ms: int) -> None:
        key = room.access_code
        with self.locks(key):
            ensure_writable(room)
            timer = self.timer_for(room)
            now = self.clock()
            elapsed = timer.run_elapsed(now)  # the run restarts from the new remaining time
            timer.update(duration_ms, remaining_ms, now)
            room = self._save(key, timer, change=_add_paired(elapsed))
            if timer.running:
                self._schedule(key, timer, now)
            self.streams.broadcast(key, "timer", "update")
            self.streams.broadcast(key, "remaining-time", str(timer.remaining(now)))
            self.streams.broadcast(key, "room", room_state(room, timer, now))

    def swap(self, room: PairRoom) -> None:
        key = room.access_code
        with self.locks(key):
            ensure_writable(room)
            timer = self.timer_for(room)
            room = self._save(key, timer, change=swap_roles)
            self.streams.broadcast(key, "pair", pair_json(room))
            self.streams.broadcast(key, "room", room_state(room, timer, self.clock()))

    def change_room(self, room: PairRoom, change, *, stop_timer: bool) -> PairRoom:
        """Apply ``change`` to the room (status, deletion), stopping its timer first
        if asked; everyone gets the new ``room`` state."""
        key = room.access_code
        with self.locks(key):
            ensure_writable(room, allow_completed=True)
            if stop_timer:
                self._pause_locked(key)
            timer = self.timer_for(room)
            room = self._save(key, timer, change=change)
            self.streams.broadcast(key, "room", room_state(room, timer, self.clock()))
            return room

    def forget(self, key: str) -> None:
        """A deleted room: nothing of it stays in memory."""
        with self.locks(key):
            self.schedulers.cancel(key)
            self.timestamps.remove(key)
            self._running_since.pop(key, None)
            self.streams.close_room(key)
        self.locks.forget(key)

    # ----- the job -------------------------------------------------------------------

    @in_app_context
    def tick(self, key: str) -> None:
        with self.locks(key):
            timer = self.timestamps.get(key)
            if timer is None or not timer.running:
                self.schedulers.cancel(key)
                return
            if self._abandoned(key):
                log.info("room %s has had no stream for %ss: pausing", key, self.grace)
                self._pause_locked(key)
                return
            value = timer.tick_value(self.clock())
            if value <= 0:
                self._time_up_locked(key, timer)
            else:
                self.streams.broadcast(key, "remaining-time", str(value))
                self.ticks_sent += 1

    @in_app_context
    def recover(self) -> int:
        """After a (re)start: every timer the database says is running runs again
        from its deadline; one whose deadline passed while we were down times up
        now, once. Returns how many were recovered."""
        rows = db.session.execute(
            select(PairRoom.access_code, TimerRecord)
            .join(TimerRecord, TimerRecord.room_id == PairRoom.id)
            .where(TimerRecord.status == TimerStatus.RUNNING.value,
                   PairRoom.deleted_at.is_(None))).all()
        for key, record in rows:
            with self.locks(key):
                timer = record.to_domain()
                self.timestamps.put(key, timer)
                self._running_since[key] = time.monotonic()  # grace counts from the restart
                now = self.clock()
                if timer.is_up(now):
                    self._time_up_locked(key, timer)
                else:
                    self._schedule(key, timer, now)
        return len(rows)

    # ----- under the room lock ---------------------------------------------------------

    def _pause_locked(self, key: str) -> bool:
        timer = self.timestamps.get(key)
        if timer is None or not timer.running:
            return False
        now = self.clock()
        if timer.is_up(now):
            self._time_up_locked(key, timer)
            return True
        elapsed = timer.run_elapsed(now)
        timer.pause(now)
        room = self._save(key, timer, change=_add_paired(elapsed))
        self.schedulers.cancel(key)
        self._running_since.pop(key, None)
        self.streams.broadcast(key, "timer", "pause")
        self.streams.broadcast(key, "remaining-time", str(timer.remaining_ms))
        self.streams.broadcast(key, "room", room_state(room, timer, now))
        return True

    def _time_up_locked(self, key: str, timer: Timer) -> None:
        """The turn is over: decided here, once. Reset, swap roles, tell everyone."""
        elapsed = timer.remaining_ms  # the whole run: it reached zero
        timer.reset()

        def finish_turn(room: PairRoom) -> None:
            swap_roles(room)
            room.turns_completed += 1
            room.paired_ms += elapsed

        room = self._save(key, timer, change=finish_turn)
        self.schedulers.cancel(key)
        self._running_since.pop(key, None)
        self.streams.broadcast(key, "timer", "stop")
        self.streams.broadcast(key, "remaining-time", str(timer.duration_ms))
        self.streams.broadcast(key, "pair", pair_json(room))
        self.streams.broadcast(key, "room", room_state(room, timer, self.clock()))

    def _save(self, key: str, timer: Timer, change=None) -> PairRoom:
        """Write the timer (and ``change`` to the room) to the database, then to
        memory. The database goes first: if it fails, memory keeps the old truth."""
        room = db.session.execute(
            select(PairRoom).where(PairRoom.access_code == key)
            .execution_options(populate_existing=True)).scalar_one()
        room.timer.apply(timer)
        if change is not None:
            change(room)
        db.session.commit()
        self.timestamps.put(key, timer)
        return room

    def _schedule(self, key: str, timer: Timer, now: int) -> None:
        self.schedulers.schedule(key, self.tick, timer.first_tick_at(now), TICK_SECONDS)

    def _abandoned(self, key: str) -> bool:
        """Running with no stream for the grace period: since the last stream left,
        or since the timer started (or the process restarted) if that is later."""
        if self.grace <= 0 or self.streams.count(key) > 0:
            return False
        since = max(self._running_since.setdefault(key, time.monotonic()),
                    self.streams.emptied_at(key) or 0.0)
        return time.monotonic() - since >= self.grace


def _add_paired(elapsed_ms: int):
    def change(room: PairRoom) -> None:
        room.paired_ms += elapsed_ms
    return change
