"""A room's retrospectives: adding an answer set, reading them (oldest first; the
latest is what coduo's client shows), deleting them. Every change reaches the
room's screens in every process as a ``retrospect`` event carrying the full list."""
from __future__ import annotations

from contextlib import contextmanager

from flask import current_app
from sqlalchemy import delete, func, select

from ..context import duo
from ..extensions import db
from ..rooms.models import PairRoom
from ..rooms.service import ensure_writable
from ..web.errors import N_, Conflict
from .models import Retrospective


def retrospectives(room: PairRoom) -> list[Retrospective]:
    return list(db.session.execute(
        select(Retrospective).where(Retrospective.room_id == room.id)
        .order_by(Retrospective.created_at, Retrospective.id)).scalars())


def has_retrospective(room: PairRoom) -> bool:
    return db.session.execute(
        select(Retrospective.id).where(Retrospective.room_id == room.id).limit(1)
    ).first() is not None


def retrospective_json(retro: Retrospective) -> dict:
    return {"id": retro.id, "author": retro.author, "answers": list(retro.answers),
            "createdAt": retro.created_at.isoformat()}


def retrospectives_json(room: PairRoom) -> list[dict]:
    return [retrospective_json(r) for r in retrospectives(room)]


@contextmanager
def _changing(room: PairRoom):
    """Under the room's locks; completed rooms too (that is when people answer),
    deleted ones refused (409). Afterwards the room hears the full list."""
    with duo().timers.room_change(room.access_code) as change:
        ensure_writable(change.room, allow_completed=True)
        yield change
        db.session.flush()
        change.emit("retrospect", retrospectives_json(change.room))


def add_retrospective(room: PairRoom, answers: list[str], author: str | None) -> Retrospective:
    """A second answer set (another person, or the same one again) is added, never
    merged into or written over the first: nothing anyone wrote is lost."""
    with _changing(room):
        cap = current_app.config["MAX_RETROSPECTIVES_PER_ROOM"]
        held = db.session.scalar(select(func.count()).select_from(Retrospective)
                                 .where(Retrospective.room_id == room.id))
        if held >= cap:  # counted under the room's lock: racing posts cannot pass it
            raise Conflict(N_("This room already has %(cap)s retrospectives, the most a room can "
                              "hold; delete them first"), cap=cap)
        retro = Retrospective(room_id=room.id, answers=list(answers), author=author)
        db.session.add(retro)
    return retro


def delete_retrospectives(room: PairRoom) -> int:
    """Every answer set of the room; how many there were (0 changes nothing)."""
    if not has_retrospective(room):
        return 0
    with _changing(room):
        gone = db.session.execute(
            delete(Retrospective).where(Retrospective.room_id == room.id)).rowcount
    return gone
