"""Writing the turn history, inside the transition that changes the room: under its
row lock, in the same database transaction, so a turn is recorded exactly once
whichever process decided the change (and a time-up decided after a restart is
recorded on its true deadline). Returns the ``history-change`` events of what it
wrote, for the same batch: ``{"op": "put", "index": n, "item": {...}}`` (a turn
begun, gone on or ended, at index ``n`` of the room's history) or ``{"op":
"remove", "id": n}`` (the oldest turn let go past ``MAX_TURNS_PER_ROOM``, or a turn
that ended without ever running)."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select

from ..extensions import db
from ..rooms.models import PairRoom
from ..rooms.service import roster_of
from ..timer.domain import Timer
from ..tools.lists import ListChanges
from . import periods
from .models import Turn
from .periods import Situation

EVENT = "history-change"
WHOLE = "history"


def situation_of(room: PairRoom, timer: Timer) -> Situation:
    return periods.situation(timer, roster_of(room), room.completed, room.deleted)


def history(room: PairRoom) -> list[Turn]:
    return list(db.session.execute(
        select(Turn).where(Turn.room_id == room.id).order_by(Turn.id)).scalars())


def turn_json(turn: Turn, now: int) -> dict:
    """A turn as the API, the events and the report show it: the times in epoch ms
    (server time), ``actualMs`` the time it ran and ``pausedMs`` the time it was
    paused (for the open one, up to ``now``)."""
    return {"id": turn.id, "number": turn.number, "kind": turn.kind,
            "driver": turn.driver, "navigator": turn.navigator,
            "driverId": turn.driver_id, "navigatorId": turn.navigator_id,
            "roster": [m["name"] for m in turn.roster],
            "away": [m["name"] for m in turn.roster if m.get("away")],
            "plannedMs": turn.planned_ms, "actualMs": periods.active_ms(turn, now),
            "pausedMs": periods.paused_ms(turn, now),
            "startedAt": turn.started_at_ms, "endedAt": turn.ended_at_ms,
            "pausedAt": turn.paused_at_ms if turn.ended_at_ms is None else None,
            "ended": turn.ended}


def history_json(room: PairRoom, now: int) -> list[dict]:
    return [turn_json(turn, now) for turn in history(room)]


def history_events(room: PairRoom, now: int) -> list[tuple[str, object]]:
    """The history whole, as a new stream (or a resync) gets it."""
    return [(WHOLE, history_json(room, now))]


def _last(room: PairRoom) -> Turn | None:
    return db.session.execute(select(Turn).where(Turn.room_id == room.id)
                              .order_by(Turn.id.desc()).limit(1)).scalar_one_or_none()


def record(room: PairRoom, before: Situation, timer: Timer, now: int,
           word: tuple[str, int] | None = None) -> list[tuple[str, dict]]:
    """The history after a change from ``before`` to the room and ``timer`` as they are
    now; ``word``: (how the open turn ended, when) when the change itself says (a
    time-up: at its deadline). Returns the events of what changed."""
    after = situation_of(room, timer)
    if word is None and before == after:
        return []  # the goal, the break setting: nothing of the turns changed
    turn = _last(room)
    if turn is not None and turn.ended_at_ms is not None:
        turn = None
    changes = ListChanges({Turn: (EVENT, lambda item, _: turn_json(item, now), (Turn.id,))})
    shown = turn_json(turn, now) if turn is not None else None
    moved = periods.step(turn, before, after, now, word)
    if moved.dropped:
        changes.remove(turn)
        db.session.delete(turn)
    # The turns let go come first: a ``put``'s index is among the turns as they are
    # after the change, so a screen must have removed them before it places any.
    puts = [turn] if turn is not None and not moved.dropped and turn_json(turn, now) != shown else []
    if moved.begins:
        fields = periods.new_turn_fields(after, now)
        turn = Turn(room_id=room.id, number=_next_number(room, after.kind), **fields)
        db.session.add(turn)
        db.session.flush()
        for old in _trim(room):
            changes.remove(old)
        puts.append(turn)
    for item in puts:
        changes.put(item)
    db.session.flush()
    return changes.events(room)


def _next_number(room: PairRoom, kind: str) -> int:
    last = db.session.scalar(select(func.max(Turn.number))
                             .where(Turn.room_id == room.id, Turn.kind == kind))
    return (last or 0) + 1


def _trim(room: PairRoom) -> list[Turn]:
    """Past ``MAX_TURNS_PER_ROOM``, the oldest turns are let go (the room keeps its
    latest ones: a room used for months must not send thousands on every connect)."""
    cap = max(2, current_app.config["MAX_TURNS_PER_ROOM"])  # the one just ended stays
    held = db.session.scalar(select(func.count()).select_from(Turn).where(Turn.room_id == room.id))
    if held <= cap:
        return []
    oldest = list(db.session.execute(select(Turn).where(Turn.room_id == room.id)
                                     .order_by(Turn.id).limit(held - cap)).scalars())
    for turn in oldest:
        db.session.delete(turn)
    return oldest
