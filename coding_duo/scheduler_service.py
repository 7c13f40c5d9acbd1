"""SchedulerService: the timer's transitions (start, pause, update, time-up),
the per-second tick, the empty-room rule, and how changes reach every process.

Every change to a room is decided through the database: under the room's lock
in this process and the room's row lock (``SELECT ... FOR UPDATE``) across
processes, the truth is read from the database, changed, written with the
room's version bumped, and committed. The result is a ``Batch`` (new timer,
events) applied to this process at once and published on the bus for the
others. So concurrent commands on any number of processes give one outcome,
and time-up happens once.

Ticks only report: each process ticks only the rooms it has streams for, from
the deadline in its ``TimestampRegistry``, so every client of a room gets the
same values whichever process it is on. A sweep once a second does the rest:
time-up for running rooms nobody here watches, the empty-room pause, presence.
"""
from __future__ import annotations

import functools
import logging
from contextlib import contextmanager

from flask import has_app_context
from sqlalchemy import select

from .bus import Batch
from .extensions import db
from .locks import RoomLocks
from .models import PairRoom, RoomStatus, TimerRecord
from .registries import EventStreamsRegistry, SchedulerRegistry, TimestampRegistry
from .rooms import ensure_writable, mark_deleted, pair_json, room_state, swap_roles
from .timer import Timer, TimerStatus, now_ms

log = logging.getLogger(__name__)

TICK_SECONDS = 1.0
SWEEP_SECONDS = 1.0
SWEEP_JOB = "~sweep"
DEADLINE_JOB = "~deadline:"
TIME_UP_TOLERANCE_MS = 20  # a tick that fires a hair early still ends the turn


def in_app_context(method):
    """Scheduler jobs and the bus run on their own threads: give them an app context."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        if has_app_context():
            return method(self, *args, **kwargs)
        with self.app.app_context():
            return method(self, *args, **kwargs)
    return wrapper


class RoomChange:
    """What a change collects while the room is locked: events to send, and
    whether anything changed at all."""

    def __init__(self, room: PairRoom):
        self.room = room
        self.events: list[tuple[str, object]] = []
        self.deleted = False
        self._marked = False

    def emit(self, event: str, data) -> None:
        self.events.append((event, data))

    def mark(self) -> None:
        """Something changed that has no event of its own (the room state follows)."""
        self._marked = True

    @property
    def changed(self) -> bool:
        return bool(self.events) or self._marked


class SchedulerService:
    def __init__(self, app, streams: EventStreamsRegistry, timestamps: TimestampRegistry,
                 schedulers: SchedulerRegistry, locks: RoomLocks, bus, presence,
                 empty_room_grace_seconds: float, clock=now_ms):
        self.app = app
        self.streams = streams
        self.timestamps = timestamps
        self.schedulers = schedulers
        self.locks = locks
        self.bus = bus
        self.presence = presence
        self.grace_ms = int(empty_room_grace_seconds * 1000)
        self.clock = clock
        self.started_at = clock()
        self.ticks_sent = 0
        self._delivered: dict[str, int] = {}  # room key -> newest batch version delivered
        self._ticking: dict[str, int] = {}  # room key -> the deadline its tick job follows
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

    def stream_opened(self, key: str) -> None:
        """A browser joined: tick for it if the room is running."""
        with self.locks(key):
            self._sync_tick_job(key, self.timestamps.get(key))

    # ----- commands ------------------------------------------------------------------

    def start(self, room: PairRoom) -> bool:
        cached = self.timestamps.get(room.access_code)
        if cached is not None and cached.running:
            return False  # hot path: a burst of starts is answered from memory

        def decide(change, timer, now):
            ensure_writable(change.room)
            if timer.start(now):
                change.emit("timer", "start")
        return self._transition(room.access_code, decide)

    def pause(self, room: PairRoom) -> bool:
        return self._transition(room.access_code, self._decide_pause)

    def update(self, room: PairRoom, duration_ms: int, remaining_ms: int) -> None:
        def decide(change, timer, now):
            ensure_writable(change.room)
            change.room.paired_ms += timer.run_elapsed(now)  # the run restarts from here
            timer.update(duration_ms, remaining_ms, now)
            change.emit("timer", "update")
            change.emit("remaining-time", str(timer.remaining(now)))
        self._transition(room.access_code, decide)

    def swap(self, room: PairRoom) -> None:
        def decide(change, timer, now):
            ensure_writable(change.room)
            swap_roles(change.room)
            change.emit("pair", pair_json(change.room))
        self._transition(room.access_code, decide)

    def set_status(self, room: PairRoom, status: str) -> None:
        """IN_PROGRESS or COMPLETED; completing stops the timer."""
        def decide(change, timer, now):
            ensure_writable(change.room, allow_completed=True)
            if status == RoomStatus.COMPLETED.value:
                self._decide_pause(change, timer, now)
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

    def forget(self, key: str) -> None:
        """A deleted room: nothing of it stays in this process's memory."""
        with self.locks(key):
            self._sync_tick_job(key, None)
            self.timestamps.remove(key)
            self._delivered.pop(key, None)
            self.streams.close_room(key)
        self.locks.forget(key)

    @contextmanager
    def room_change(self, key: str):
        """``with room_change(key) as change:`` -- the room row locked and fresh
        (``change.room``), the body changes it and ``emit``s events; then commit,
        bump the version, apply here and publish to the other processes."""
        with self.locks(key):
            room = self._lock_room(key)
            change = RoomChange(room)
            yield change
            self._commit(change, room.timer.to_domain(), self.clock())

    # ----- the transition core -------------------------------------------------------

    def _transition(self, key: str, decide) -> bool:
        """``decide(change, timer, now)`` changes the timer and the room as it must and
        emits events; emitting nothing means nothing changed."""
        with self.locks(key):
            room = self._lock_room(key)
            change = RoomChange(room)
            timer = room.timer.to_domain()
            now = self.clock()
            decide(change, timer, now)
            if not change.changed:
                version = room.version
                db.session.rollback()  # release the row lock
                self.timestamps.put(key, timer, version)  # memory agrees with the database
                self._sync_tick_job(key, self.timestamps.get(key))
                return False
            room.timer.apply(timer)
            change.emit("room", room_state(room, timer, now))
            self._commit(change, timer, now)
            return True

    def _lock_room(self, key: str) -> PairRoom:
        return db.session.execute(
            select(PairRoom).where(PairRoom.access_code == key).with_for_update()
            .execution_options(populate_existing=True)).scalar_one()

    def _commit(self, change: RoomChange, timer: Timer, now: int) -> None:
        room = change.room
        room.version += 1
        batch = Batch(room.access_code, room.version, timer, change.events, change.deleted)
        db.session.commit()
        self.apply(batch)
        self.bus.publish(batch)

    def apply(self, batch: Batch) -> bool:
        """A change decided here or in another process: memory, tick job, browsers.
        A batch this process has already delivered (or an older one) is ignored."""
        key = batch.key
        with self.locks(key):
            if self._delivered.get(key, -1) >= batch.version:
                return False  # our own change coming back, or an old one
            self._delivered[key] = batch.version
            # Memory may already be as new (a command here that changed nothing read
            # the database meanwhile); the events are still this batch's to deliver.
            self.timestamps.put(key, batch.timer, batch.version)
            self._sync_tick_job(key, self.timestamps.get(key))
            for event, data in batch.events:
                if event == "close":
                    self.streams.close_room(key)  # sends close / OK, then ends them
                else:
                    self.streams.broadcast(key, event, data)
            if batch.deleted:
                self.forget(key)
            return True

    @in_app_context
    def apply_remote(self, batch: Batch) -> None:
        self.apply(batch)

    def _decide_pause(self, change, timer: Timer, now: int) -> None:
        if not timer.running:
            return
        if timer.is_up(now):
            self._decide_time_up(change, timer, now)
            return
        change.room.paired_ms += timer.run_elapsed(now)
        timer.pause(now)
        change.emit("timer", "pause")
        change.emit("remaining-time", str(timer.remaining_ms))

    def _decide_time_up(self, change, timer: Timer, now: int) -> None:
        """The turn is over: reset, swap roles once, tell everyone."""
        if not timer.running or timer.remaining(now) > TIME_UP_TOLERANCE_MS:
            return
        room = change.room
        room.paired_ms += timer.remaining_ms  # the whole run: it reached zero
        room.turns_completed += 1
        swap_roles(room)
        timer.reset()
        change.emit("timer", "stop")
        change.emit("remaining-time", str(timer.duration_ms))
        change.emit("pair", pair_json(room))

    # ----- jobs ----------------------------------------------------------------------

    def _sync_tick_job(self, key: str, timer: Timer | None) -> None:
        """While a room runs, this process ticks it if it has streams for it (the
        tick at zero ends the turn); otherwise it only waits for the deadline, to
        end the turn on time even if nobody watches. Every process does, and the
        database lets one of them win."""
        deadline_job = DEADLINE_JOB + key
        if timer is None or not timer.running:
            self._cancel_ticks(key)
            self.schedulers.cancel(deadline_job)
        elif self.streams.count(key) > 0:
            self.schedulers.cancel(deadline_job)
            # A new deadline (resumed, updated while running) moves the whole seconds:
            # the job is replaced so its run times follow the deadline it reports.
            if self._ticking.get(key) != timer.ends_at_ms:
                self._last_tick.pop(key, None)  # a new deadline counts down afresh
            if self._ticking.get(key) != timer.ends_at_ms or not self.schedulers.has(key):
                self.schedulers.schedule(key, self.tick, timer.first_tick_at(self.clock()),
                                         TICK_SECONDS, inline=True)
                self._ticking[key] = timer.ends_at_ms
        else:
            self._cancel_ticks(key)
            self.schedulers.at(deadline_job, self.deadline, timer.ends_at_ms, key)

    def _cancel_ticks(self, key: str) -> None:
        self.schedulers.cancel(key)
        self._ticking.pop(key, None)
        self._last_tick.pop(key, None)

    @in_app_context
    def deadline(self, key: str) -> None:
        self._transition(key, self._decide_time_up)

    def tick(self, key: str) -> None:
        """Once a second per ticking room, on the scheduler's thread: report the
        remaining time from memory. Anything more (time-up, a room that stopped
        or lost its streams, a room lock held by a command) goes to the pool, so
        one busy room never holds up the others' ticks."""
        timer = self.timestamps.get(key)
        if timer is None or not timer.running or self.streams.count(key) == 0:
            self.schedulers.run_soon(self._tick_slowly, key)
            return
        value = timer.tick_value(self.clock())
        lock = self.locks(key)
        if value <= 0 or not lock.acquire(blocking=False):
            self.schedulers.run_soon(self._tick_slowly, key)
            return
        try:
            self._report_tick(key, timer, value)
        finally:
            lock.release()

    @in_app_context
    def _tick_slowly(self, key: str) -> None:
        timer = self.timestamps.get(key)
        if timer is None or not timer.running or self.streams.count(key) == 0:
            with self.locks(key):
                self._sync_tick_job(key, self.timestamps.get(key))
            return
        value = timer.tick_value(self.clock())
        if value <= 0:
            self._transition(key, self._decide_time_up)
            return
        with self.locks(key):
            self._report_tick(key, timer, value)

    def _report_tick(self, key: str, timer: Timer, value: int) -> None:
        """Under the room lock: unless the timer changed since ``timer`` was read
        (that change brought its own events), every stream gets the tick."""
        current = self.timestamps.get(key)
        if current is None or current.ends_at_ms != timer.ends_at_ms:
            return
        if self._last_tick.get(key, value + 1) <= value:
            return  # already said (a late slow tick behind a newer one)
        self._last_tick[key] = value
        self.streams.broadcast(key, "remaining-time", str(value))
        self.ticks_sent += 1

    def start_jobs(self) -> None:
        self.schedulers.every(SWEEP_JOB, self.sweep, SWEEP_SECONDS)

    @in_app_context
    def sweep(self) -> None:
        """Once a second: time-up for running rooms not ticking here, the empty-room
        pause, and this process's share of presence."""
        now = self.clock()
        local = self.streams.keys()
        self.presence.refresh(local, now)
        running = self.timestamps.running()
        for key, timer in running.items():  # a deadline job that failed (database down)
            if timer.is_up(now) and not self.schedulers.has(key) \
                    and not self.schedulers.has(DEADLINE_JOB + key):
                self._safely(self._transition, key, self._decide_time_up)
        if self.grace_ms <= 0:
            return
        alone = [key for key, timer in running.items()
                 if not timer.is_up(now) and self.streams.count(key) == 0]
        seen = self.presence.last_seen(alone)
        if seen is None:
            return  # presence unknown (Redis down): pause nobody
        for key in alone:
            timer = running[key]
            since = max(timer.ends_at_ms - timer.remaining_ms,  # this run started
                        seen.get(key) or 0, self.started_at)
            if now - since >= self.grace_ms:
                log.info("room %s has had no stream for %ss: pausing", key, self.grace_ms / 1000)
                self._safely(self._transition, key, self._pause_if_started_before(since))

    def _pause_if_started_before(self, since: int):
        def decide(change, timer, now):
            if timer.running and timer.ends_at_ms - timer.remaining_ms <= since:
                self._decide_pause(change, timer, now)
        return decide

    def _safely(self, func, *args) -> None:
        try:
            func(*args)
        except Exception:  # noqa: BLE001 - one room's trouble must not stop the sweep
            db.session.rollback()
            log.exception("sweep: %s%r failed", getattr(func, "__name__", func), args[:1])

    @in_app_context
    def recover(self) -> int:
        """After a (re)start, or when the bus comes back: load every running timer
        (and every room with streams here) from the database. One whose deadline
        passed while we were away times up at the next sweep, once."""
        rows = db.session.execute(
            select(PairRoom, TimerRecord)
            .join(TimerRecord, TimerRecord.room_id == PairRoom.id)
            .where(PairRoom.deleted_at.is_(None),
                   (TimerRecord.status == TimerStatus.RUNNING.value)
                   | PairRoom.access_code.in_(self.streams.keys() or [""]))).all()
        for room, record in rows:
            key = room.access_code
            with self.locks(key):
                timer = record.to_domain()
                if self.timestamps.put(key, timer, room.version):
                    self._sync_tick_job(key, timer)
                    if self.streams.count(key):
                        now = self.clock()
                        self.streams.broadcast(key, "remaining-time", str(timer.remaining(now)))
                        self.streams.broadcast(key, "room", room_state(room, timer, now))
        db.session.remove()
        return len(rows)

    @in_app_context
    def heal(self) -> None:
        """The bus was down: changes made elsewhere may have been missed."""
        self.recover()
        from .room_tools import list_events
        for key in self.streams.keys():
            room = db.session.execute(
                select(PairRoom).where(PairRoom.access_code == key)).scalar_one_or_none()
            if room is None:
                continue
            with self.locks(key):
                for event, data in list_events(room):
                    self.streams.broadcast(key, event, data)
