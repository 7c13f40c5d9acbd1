"""A room's retrospectives: adding an answer set, a member's answers written or
edited in place, reading them (oldest first; the latest is what coduo's client
shows), deleting them. Every change reaches the room's screens in every process
as ``retrospectives-change`` events (``put`` a set at its index, ``remove`` one;
the list comes whole, as ``retrospectives``, with a new stream's state)."""
from __future__ import annotations

from contextlib import contextmanager

from flask import current_app
from sqlalchemy import func, select

from ..context import duo
from ..extensions import db
from ..mob import roster
from ..rooms.models import PairRoom, utcnow
from ..rooms.service import ensure_writable, roster_of
from ..tools.lists import ListChanges
from ..web.errors import N_, BadRequest, Conflict
from .models import Retrospective

EVENT = "retrospectives-change"
WHOLE = "retrospectives"
ORDER = (Retrospective.created_at, Retrospective.id)


def retrospectives(room: PairRoom) -> list[Retrospective]:
    return list(db.session.execute(
        select(Retrospective).where(Retrospective.room_id == room.id).order_by(*ORDER)).scalars())


def has_retrospective(room: PairRoom) -> bool:
    return db.session.execute(
        select(Retrospective.id).where(Retrospective.room_id == room.id).limit(1)
    ).first() is not None


def retrospective_json(retro: Retrospective) -> dict:
    return {"id": retro.id, "author": retro.author, "answers": list(retro.answers),
            "createdAt": retro.created_at.isoformat(),
            "updatedAt": retro.updated_at.isoformat() if retro.updated_at else None}


def retrospectives_json(room: PairRoom) -> list[dict]:
    return [retrospective_json(r) for r in retrospectives(room)]


def retrospective_events(room: PairRoom) -> list[tuple[str, object]]:
    """Every answer set, whole (part of the state a new stream gets)."""
    return [(WHOLE, retrospectives_json(room))]


KINDS = {Retrospective: (EVENT, lambda retro, _: retrospective_json(retro), ORDER)}


@contextmanager
def _changing(room: PairRoom):
    """Under the room's locks; completed rooms too (that is when people answer),
    deleted ones refused (409). Afterwards the room hears what changed."""
    with duo().timers.room_change(room.access_code) as change:
        ensure_writable(change.room, allow_completed=True)
        changes = ListChanges(KINDS)
        yield changes
        db.session.flush()
        for event, data in changes.events(change.room):
            change.emit(event, data)


def _make_room_for_one_more(room: PairRoom) -> None:
    cap = current_app.config["MAX_RETROSPECTIVES_PER_ROOM"]
    held = db.session.scalar(select(func.count()).select_from(Retrospective)
                             .where(Retrospective.room_id == room.id))
    if held >= cap:  # counted under the room's lock: racing posts cannot pass it
        raise Conflict(N_("This room already has %(cap)s retrospectives, the most a room can "
                          "hold; delete them first"), cap=cap)


def add_retrospective(room: PairRoom, answers: list[str], author: str | None) -> Retrospective:
    """A second answer set (another person, or the same one again) is added, never
    merged into or written over the first: nothing anyone wrote is lost."""
    with _changing(room) as changes:
        _make_room_for_one_more(room)
        retro = Retrospective(room_id=room.id, answers=list(answers), author=author)
        db.session.add(retro)
        db.session.flush()
        changes.put(retro)
    return retro


def answer_as(room: PairRoom, name: str, answers: list[str]) -> tuple[Retrospective, bool]:
    """A member's answers (``name``: one of the room's members, any case), written
    over that person's earlier ones (their latest set) or added: (the set, created?).
    A name that is not a member's is a 400 and changes nothing."""
    created = []
    with _changing(room) as changes:
        members = roster_of(room)
        found = roster.find_name(members, name)
        if found is None:
            names = ", ".join(m["name"] for m in members)
            raise BadRequest(N_("author: %(name)s is not a member of this room (%(members)s)"),
                             name=repr(name), members=names)
        author = members[found]["name"]
        mine = [r for r in retrospectives(room)
                if r.author is not None and r.author.casefold() == author.casefold()]
        if mine:
            retro = mine[-1]
            retro.answers, retro.author, retro.updated_at = list(answers), author, utcnow()
        else:
            _make_room_for_one_more(room)
            retro = Retrospective(room_id=room.id, answers=list(answers), author=author)
            db.session.add(retro)
            created.append(True)
        db.session.flush()
        changes.put(retro)
    return retro, bool(created)


def delete_retrospectives(room: PairRoom) -> int:
    """Every answer set of the room; how many there were (0 changes nothing)."""
    if not has_retrospective(room):
        return 0
    with _changing(room) as changes:
        gone = retrospectives(room)
        for retro in gone:
            changes.remove(retro)
            db.session.delete(retro)
    return len(gone)
