"""The once-a-second sweep of the ``SchedulerService`` (time-up for rooms nobody
here ticks, the empty-room pause, presence), and recovery after a restart or a
bus outage."""
from __future__ import annotations

import logging

from sqlalchemy import select

from ..extensions import db
from ..rooms.models import PairRoom
from ..rooms.service import room_state
from .domain import TimerStatus
from .memory import EVICT_EVERY_SECONDS
from .models import TimerRecord
from .ticks import DEADLINE_JOB
from .transitions import in_app_context

log = logging.getLogger(__name__)

SWEEP_SECONDS = 1.0
SWEEP_JOB = "~sweep"
OVERDUE_JOB = "~overdue"
# A running timer this long past its deadline in the database is decided by whichever
# process asks (several processes only, at each version check). Its own process decides
# at the deadline; one that died between the COMMIT of a start and its publish (killed,
# or stopped while Redis held its outbox) told nobody else, and nothing else would.
OVERDUE_GRACE_MS = 2_000


class Sweep:
    """Mixed into ``SchedulerService``."""

    def start_jobs(self) -> None:
        self.schedulers.every(SWEEP_JOB, self.sweep, SWEEP_SECONDS)
        self.start_version_checks()
        if self.version_check_seconds > 0:
            self.schedulers.every(OVERDUE_JOB, self.decide_overdue, self.version_check_seconds)

    @in_app_context
    def sweep(self) -> None:
        """Once a second: time-up for running rooms not ticking here, the empty-room
        pause, and this process's share of presence."""
        now = self.clock()
        local = self.streams.keys()
        self.presence.refresh(local, now)
        if now >= self._next_eviction:
            self._next_eviction = now + EVICT_EVERY_SECONDS * 1000
            self._safely(self.evict_idle)
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

    @in_app_context
    def decide_overdue(self) -> int:
        """Time-up for every room the database says is running more than
        ``OVERDUE_GRACE_MS`` past its deadline, whoever started it (the timer's status is
        indexed: running timers are few). Decided once, like any time-up: under the row
        lock, a room another process decided meanwhile changes nothing. Returns how
        many this process decided."""
        now = self.clock()
        keys = db.session.execute(
            select(PairRoom.access_code)
            .join(TimerRecord, TimerRecord.room_id == PairRoom.id)
            .where(TimerRecord.status == TimerStatus.RUNNING.value,
                   TimerRecord.ends_at_ms < now - OVERDUE_GRACE_MS,
                   PairRoom.deleted_at.is_(None))).scalars().all()
        db.session.rollback()
        decided = 0
        for key in keys:
            if self._safely(self._transition, key, self._decide_time_up):
                decided += 1
                log.warning("room %s: running more than %d ms past its deadline, its time-up "
                            "decided by nobody: decided here", key, OVERDUE_GRACE_MS)
        return decided

    def _pause_if_started_before(self, since: int):
        def decide(change, timer, now):
            if timer.running and timer.ends_at_ms - timer.remaining_ms <= since:
                self._decide_pause(change, timer, now)
        return decide

    def _safely(self, func, *args):
        """``func(*args)``; None if it raised (logged)."""
        try:
            return func(*args)
        except Exception:  # noqa: BLE001 - one room's trouble must not stop the sweep
            db.session.rollback()
            log.exception("sweep: %s%r failed", getattr(func, "__name__", func), args[:1])
            return None

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
                   | PairRoom.access_code.in_(
                       sorted(set(self.streams.keys()) | set(self.timestamps.running())) or [""]))).all()
        for room, record in rows:
            key = room.access_code
            timer = record.to_domain()
            now = self.clock()
            state = room_state(room, timer, now)  # read before the lock (it may load)
            with self.deliveries(key):
                if self.timestamps.put(key, timer, room.version):
                    self._sync_tick_job(key, timer)
                    if self.streams.count(key):
                        self.streams.broadcast(key, "remaining-time", str(timer.reported(now)))
                        self.streams.broadcast(key, "room", state)
        db.session.remove()
        return len(rows)

    @in_app_context
    def heal(self) -> None:
        """The bus was down: changes made elsewhere may have been missed. Every room
        with streams here gets its full state from the database."""
        self.recover()
        for key in self.streams.keys():
            self._safely(self.resync, key)
