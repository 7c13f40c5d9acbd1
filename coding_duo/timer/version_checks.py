"""The periodic version check: what heals a change this process never heard of (a
message lost on the bus, or one Redis would not take: a write pause, an outbox that
overflowed). Several processes only.

Two reads, one job:

- every RECENT_VERSION_CHECK_SECONDS (0.5 s), the rooms *touched* in the last
  ``RECENT_WINDOW_SECONDS`` (an index range on ``touched_at``, set with every version
  bump: a few rows whatever the number of rooms), so a change decided elsewhere while
  Redis refuses writes still reaches the screens here within about a second;
- every VERSION_CHECK_SECONDS (3 s), every room with streams here or running in this
  process's memory, by key: what the recent read cannot see (a clock far off, a
  deletion, a room changed before the window).

A room whose database version is newer than what this process knows is resynced
(after ``GAP_MS``: a batch just committed may be on its way) by the heal job, which
runs every ``HEAL_PERIOD_MS`` and works through the rooms due one after another, so the check itself stays
quick (150 rooms of 500 todos behind after a write pause took 1.4 s to heal, and the
check, when it healed them itself, skipped its runs meanwhile) and the resyncs take
one worker of the scheduler's pool: time-ups share it (a job per room behind, all due
at once, held a time-up due just after them 1.0-2.0 s)."""
from __future__ import annotations

import logging
import time
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import InterfaceError, OperationalError

from ..extensions import db
from ..rooms.models import PairRoom, utcnow
from .delivery import GAP_MS
from .transitions import in_app_context

log = logging.getLogger(__name__)

VERSION_JOB = "~versions"
HEAL_JOB = "~heal-behind"
HEAL_PERIOD_MS = GAP_MS // 2  # a room found behind is healed GAP_MS to GAP_MS * 1.5 later
# The recent read looks this far back: commits land after their touched_at (a slow
# transaction, a process's clock a little behind another's), and a check can run late.
RECENT_WINDOW_SECONDS = 10.0


class VersionChecks:
    """Mixed into ``SchedulerService`` (``_delivered``, ``streams``, ``timestamps``, locks,
    ``schedulers``, ``clock``, ``resync``, ``_abandon``)."""

    def start_version_checks(self) -> None:
        """``version_check_seconds`` 0: one process, no check; ``recent_check_seconds`` 0
        (or not below it): no recent read."""
        full, recent = self.version_check_seconds, self.recent_check_seconds
        if full > 0:
            self.schedulers.every(VERSION_JOB, self.check_versions, recent if 0 < recent < full else full)
            self.schedulers.every(HEAL_JOB, self._heal_queued, HEAL_PERIOD_MS / 1000)

    def _known_version(self, key: str) -> int:
        """The newest version of the room that this process's screens were sent (rooms
        with streams here), or that its memory holds (a room running here with none: a
        read of the room refreshes memory but sends screens nothing)."""
        delivered = self._delivered.get(key, -1)
        if self.streams.count(key):
            return delivered
        return max(delivered, self.timestamps.version(key))

    @in_app_context
    def check_versions(self, full: bool | None = None) -> int:
        """Rooms with streams here, or running in this process's memory, whose database
        version is newer than what this process knows are queued for the heal job
        (``GAP_MS`` from now). Returns how many.
        ``full``: read every such room by key (default: when VERSION_CHECK_SECONDS have
        passed since the last full read; otherwise only the recently touched rooms).
        (A running timer here with no stream: a lost pause would otherwise leave memory
        counting down, and a Start sent here would be answered from it.)"""
        now = time.monotonic()
        if full is None:
            full = not 0 < self.recent_check_seconds < self.version_check_seconds \
                or now >= self._next_full_check
        if full:  # (less half a recent run: a run a few ms early must not put it off one)
            self._next_full_check = now + self.version_check_seconds - self.recent_check_seconds / 2
        keys = set(self.streams.keys()) | set(self.timestamps.running())
        if not keys:
            return 0
        query = select(PairRoom.access_code, PairRoom.version, PairRoom.deleted_at)
        if full:
            query = query.where(PairRoom.access_code.in_(sorted(keys)))
        else:
            query = query.where(PairRoom.touched_at >= utcnow() - timedelta(seconds=RECENT_WINDOW_SECONDS))
        try:
            rows = db.session.execute(query).all()
        except (OperationalError, InterfaceError) as error:  # the database is away: said by
            log.debug("version check: %s", getattr(error, "orig", error))  # what failed first
            self._abandon()
            return 0
        db.session.rollback()
        behind = {code: version for code, version, deleted in rows
                  if code in keys and (deleted is not None or version > self._known_version(code))}
        if behind:
            self._queue_behind(behind, self.clock() + GAP_MS)  # a batch may be on its way
        return len(behind)

    def _queue_behind(self, behind: dict[str, int], due: int) -> None:
        """Queue rooms for the heal job (a room queued already keeps its due time and
        takes the newer version)."""
        with self._behind_lock:
            for key, version in behind.items():
                queued = self._behind.get(key)
                self._behind[key] = (max(version, queued[0]), queued[1]) if queued else (version, due)

    @in_app_context
    def _heal_queued(self) -> int:
        """The heal job (every HEAL_PERIOD_MS, one run at a time): every queued room whose
        due time has come, one after another. Returns how many were resynced."""
        with self._behind_lock:
            now = self.clock()
            ready = [key for key, (_, due) in self._behind.items() if due <= now]
            picked = [(key, self._behind.pop(key)[0]) for key in ready]
        return sum(self._heal_behind(key, version) for key, version in picked)

    @in_app_context
    def _heal_behind(self, key: str, version: int) -> bool:
        """The room's resync, unless its batches came meanwhile."""
        with self.locks(key):
            if self._known_version(key) >= version:
                return False
            log.warning("room %s: behind the database (delivered %s, database %s): "
                        "resyncing", key, self._delivered.get(key), version)
            try:
                self.resync(key)
                return True
            except Exception:  # noqa: BLE001 - the database may be down: the next check retries
                db.session.rollback()
                log.exception("room %s: resync failed", key)
                return False
