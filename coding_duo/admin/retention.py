"""Retention: rooms untouched for ``ROOM_RETENTION_DAYS`` (completed or deleted
ones: ``COMPLETED_ROOM_RETENTION_DAYS``) are deleted with everything they own
(timer, todos, links, categories: the database cascades). Unset: kept for ever.

A room's clock is ``touched_at``, set by every change. A running timer, or a
room with a stream open now (here, or anywhere per the Redis presence), is
never deleted. The daily pass runs in one process at a time: it locks its row
of the ``maintenance`` table and skips when another process ran it within the
day."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..rooms.models import PairRoom, RoomStatus
from ..timer.domain import TimerStatus
from ..timer.models import TimerRecord
from .models import Maintenance, aware

log = logging.getLogger(__name__)

PASS_NAME = "retention"
PASS_EVERY = timedelta(days=1)


def last_activity():
    return func.coalesce(PairRoom.touched_at, PairRoom.created_at)


def expired_rooms(idle_days: float | None, completed_days: float | None,
                  now: datetime | None = None) -> list[PairRoom]:
    """Rooms past their retention, running timers excluded, oldest first."""
    now = now or datetime.now(timezone.utc)
    rules = []
    if idle_days is not None:
        rules.append(last_activity() < now - timedelta(days=idle_days))
    if completed_days is not None:
        closed = or_(PairRoom.status == RoomStatus.COMPLETED.value, PairRoom.deleted_at.is_not(None))
        rules.append(closed & (last_activity() < now - timedelta(days=completed_days)))
    if not rules:
        return []
    return list(db.session.execute(
        select(PairRoom).join(TimerRecord, TimerRecord.room_id == PairRoom.id)
        .where(or_(*rules), TimerRecord.status != TimerStatus.RUNNING.value)
        .order_by(last_activity(), PairRoom.id)).scalars())


def purge(idle_days: float | None, completed_days: float | None = None, *,
          protected: set[str] = frozenset(), dry_run: bool = False,
          now: datetime | None = None) -> list[PairRoom]:
    """Delete (or, dry, only list) the expired rooms but the ``protected`` keys.
    The caller commits."""
    rooms = [room for room in expired_rooms(idle_days, completed_days, now)
             if room.access_code not in protected]
    if rooms and not dry_run:
        ids = [room.id for room in rooms]
        for chunk in range(0, len(ids), 500):
            db.session.execute(delete(PairRoom).where(PairRoom.id.in_(ids[chunk:chunk + 500])))
    return rooms


def daily_pass(idle_days: float | None, completed_days: float | None,
               protected_keys, now: datetime | None = None) -> list[str] | None:
    """The scheduled pass: the keys deleted, or None if another process ran it within
    the day (or runs it now). ``protected_keys(candidates)`` names rooms in use."""
    now = now or datetime.now(timezone.utc)
    row = db.session.execute(select(Maintenance).where(Maintenance.name == PASS_NAME)
                             .with_for_update()).scalar_one_or_none()
    if row is None:
        db.session.add(Maintenance(name=PASS_NAME, last_run_at=None))
        try:
            db.session.commit()
        except IntegrityError:  # another process made the row first: its pass
            db.session.rollback()
            return None
        row = db.session.execute(select(Maintenance).where(Maintenance.name == PASS_NAME)
                                 .with_for_update()).scalar_one()
    last = aware(row.last_run_at)
    if last is not None and now - last < PASS_EVERY:
        db.session.rollback()
        return None
    candidates = [room.access_code for room in expired_rooms(idle_days, completed_days, now)]
    protected = set(protected_keys(candidates)) if candidates else set()
    deleted = [room.access_code for room in
               purge(idle_days, completed_days, protected=protected, now=now)]
    row.last_run_at = now
    db.session.commit()
    log.info("retention: deleted %d room(s) untouched past their retention (%d kept: in use)",
             len(deleted), len(protected))
    return deleted


IN_USE_WITHIN_MS = 10 * 60 * 1000  # a stream seen this recently (any process): in use


def scheduled_pass(app, duo) -> None:
    """The job each process runs every ``RETENTION_CHECK_SECONDS``; one of them wins
    the day's pass. Deleted rooms leave this process's memory at once (the others
    let go of them when idle)."""
    config = app.config
    with app.app_context():
        try:
            deleted = daily_pass(config["ROOM_RETENTION_DAYS"], config["COMPLETED_ROOM_RETENTION_DAYS"],
                                 lambda keys: in_use(duo, keys))
        except Exception:  # noqa: BLE001 - a failed pass is retried at the next check
            db.session.rollback()
            log.exception("retention: the pass failed; it runs again at the next check")
            return
        finally:
            db.session.remove()
        for key in deleted or ():
            duo.timers.forget(key)


def in_use(duo, keys: list[str]) -> set[str]:
    """The rooms among ``keys`` with a stream now: here, or anywhere per presence.
    When presence cannot say (Redis down), every one of them counts as in use."""
    local = set(duo.streams.keys())
    seen = duo.presence.last_seen(keys)
    if seen is None:
        return set(keys)
    now_ms = datetime.now(timezone.utc).timestamp() * 1000
    return {key for key in keys if key in local
            or (seen.get(key) is not None and now_ms - seen[key] < IN_USE_WITHIN_MS)}
