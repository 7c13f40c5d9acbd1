"""The transition core of the ``SchedulerService``: how a change to a room is
decided and delivered.

Every change is decided through the database: under the room's lock in this
process and the room's row lock (``SELECT ... FOR UPDATE``) across processes,
the truth is read from the database, changed, written with the room's version
bumped, and committed. The result is a ``Batch`` (new timer, events) applied to
this process at once and published on the bus for the others (``delivery``
delivers batches in version order). So concurrent
commands on any number of processes give one outcome, and time-up happens once.
"""
from __future__ import annotations

import functools
import logging
from contextlib import contextmanager

from flask import has_app_context
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..history.models import TIME_UP
from ..history.record import record as record_history, situation_of
from ..mob import breaks
from ..rooms.models import PairRoom, utcnow
from ..rooms.service import pair_json, room_state, rotate_roles
from ..streams.bus import Batch
from .domain import Timer

log = logging.getLogger(__name__)

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
        self.turn_word: tuple[str, int | None] | None = None  # how the open turn ended

    def end_turn(self, how: str, at: int | None = None) -> None:
        """The turn under way ends, ``how`` (a time-up: ``at`` its deadline); the
        history records it in this transition (``history.record``)."""
        self.turn_word = (how, at)

    def emit(self, event: str, data) -> None:
        self.events.append((event, data))

    def mark(self) -> None:
        """Something changed that has no event of its own (the room state follows)."""
        self._marked = True

    @property
    def changed(self) -> bool:
        return bool(self.events) or self._marked


class Transitions:
    """Mixed into ``SchedulerService`` (which holds the registries, locks and bus)."""

    def forget(self, key: str) -> None:
        """A deleted room: nothing of it stays in this process's memory."""
        with self.deliveries(key):
            self._sync_tick_job(key, None)
            self.timestamps.remove(key)
            self._delivered.pop(key, None)
            self._drop_pending(key)
            self.streams.close_room(key)
            self._forget_memory(key)

    @contextmanager
    def room_change(self, key: str):
        """``with room_change(key) as change:`` -- the room row locked and fresh
        (``change.room``), the body changes it and ``emit``s events; then commit,
        bump the version, apply here and publish to the other processes."""
        with self.locks(key):
            room = self._lock_room(key)
            change = RoomChange(room)
            try:
                yield change
            except BaseException:
                self._abandon()
                raise
            self._commit(change, room.timer.to_domain(), self.clock())

    # ----- the transition core -------------------------------------------------------

    def _transition(self, key: str, decide) -> bool:
        """``decide(change, timer, now)`` changes the timer and the room as it must and
        emits events; emitting nothing means nothing changed. A command that comes
        after the turn ran out, before its time-up was decided (the scheduler's job is
        a few ms behind; a stalled or restarted process longer), gets that time-up
        decided first, as its own change: the command then applies to the turn that
        follows (a swap is the time-up's own, a new length the next turn's)."""
        with self.locks(key):
            room = self._lock_room(key)
            now = self.clock()
            if decide != self._decide_time_up and room.timer.to_domain().is_up(now):
                self._decide_locked(key, room, self._decide_time_up, now)
                room, now = self._lock_room(key), self.clock()
            return self._decide_locked(key, room, decide, now)

    def _decide_locked(self, key: str, room: PairRoom, decide, now: int) -> bool:
        """The body of ``_transition``, the room's locks held and its row read; ``now``
        the instant it was found not to be past its deadline (or the time-up's)."""
        change = RoomChange(room)
        timer = room.timer.to_domain()
        before = situation_of(room, timer)
        try:
            decide(change, timer, now)
        except BaseException:
            self._abandon()
            raise
        if not change.changed:
            version = room.version
            db.session.rollback()  # release the row lock
            with self.deliveries(key):
                self.timestamps.put(key, timer, version)  # memory agrees with the database
                self._sync_tick_job(key, self.timestamps.get(key))
                if self._unheard(key):  # changes made elsewhere, not yet told here
                    self._await_unheard(key)
            return False
        room.timer.apply(timer)
        # The turn history, in this transaction; its events first in the batch (the
        # timer's and the roles' events keep their order, `room` last).
        change.events[:0] = record_history(room, before, timer, now, change.turn_word)
        change.emit("room", room_state(room, timer, now))
        self._commit(change, timer, now)
        return True

    def _hold_row_lock_briefly(self) -> None:
        """The transaction about to lock a room's row is ended by PostgreSQL if it sits
        idle for ``ROW_LOCK_IDLE_MS`` (this process stalled mid-change: its database link
        hangs), instead of holding every other process's changes to the room."""
        if self.row_lock_idle_ms:
            db.session.execute(text(
                f"SET LOCAL idle_in_transaction_session_timeout = {int(self.row_lock_idle_ms)}"))

    @staticmethod
    def _abandon() -> None:
        """A change refused (4xx) or failed with the row locked: the lock goes at once,
        not after the answer is made (a transaction left idle that long is ended by the
        database, and the request's teardown failed with it: a bare 500). A rollback that
        fails too (the database ended the transaction already) leaves nothing to undo."""
        try:
            db.session.rollback()
        except SQLAlchemyError as error:
            log.info("rollback after a refused change failed (nothing left to undo): %s",
                     getattr(error, "orig", error))

    def _lock_room(self, key: str) -> PairRoom:
        self._hold_row_lock_briefly()
        return db.session.execute(
            select(PairRoom).where(PairRoom.access_code == key).with_for_update()
            .execution_options(populate_existing=True)).scalar_one()

    def _commit(self, change: RoomChange, timer: Timer, now: int) -> None:
        room = change.room
        room.version += 1
        room.touched_at = utcnow()
        batch = Batch(room.access_code, room.version, timer, change.events, change.deleted,
                      room.last_time_up_at_ms)
        db.session.commit()
        self.apply(batch)
        self.bus.publish(batch)

    def _decide_pause(self, change, timer: Timer, now: int) -> None:
        # Past its deadline it is not running here: ``_transition`` decided the time-up first.
        if not timer.running:
            return
        change.room.paired_ms += timer.paired_elapsed(now)
        timer.pause(now)
        change.emit("timer", "pause")
        change.emit("remaining-time", str(timer.reported(now)))

    def _decide_time_up(self, change, timer: Timer, now: int) -> None:
        """The turn is over: reset, rotate the roles once, tell everyone (and if a break
        is due, the timer that follows is that break, waiting for a start). coduo's
        client ends a turn only on ``remaining-time`` ``"0"`` (and then asks for a swap,
        which ``rooms.service.follows_time_up`` acknowledges: hence the marker). A
        break's time-up rotates nothing: the turn that follows is as the break found it."""
        if not timer.running or timer.remaining(now) > TIME_UP_TOLERANCE_MS:
            return
        room = change.room
        room.last_time_up_at_ms = now
        change.end_turn(TIME_UP, timer.ends_at_ms)  # recorded on its deadline, however late
        was_break = timer.on_break
        if was_break:
            timer.end_break()
        else:
            room.paired_ms += timer.remaining_ms  # the whole run: it reached zero
            room.turns_completed += 1
            rotate_roles(room)
            room.turns_since_break, due = breaks.after_turn(room.turns_since_break or 0,
                                                            room.break_every or 0)
            timer.reset()
            if due:
                timer.begin_break(room.break_ms or breaks.DEFAULT_BREAK_MS, now, run=False)
        change.emit("remaining-time", "0")
        change.emit("timer", "stop")
        change.emit("remaining-time", str(timer.reported(now)))  # the reset duration
        if not was_break:
            change.emit("pair", pair_json(room))
