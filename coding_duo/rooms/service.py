"""Pair rooms: finding them by access code, their state as the browser sees
it, and the room-level commands (swap, status, delete)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..mob import breaks, roster
from ..timer.domain import Timer, TimerStatus
from ..timer.models import TimerRecord
from ..web.errors import N_, Conflict, NotFound
from . import access_code
from .models import PairRoom, RoomStatus, utcnow


def create_room(names: list[str], duration_ms: int,
                remaining_ms: int | None = None, mission_url: str | None = None) -> PairRoom:
    """A room for these members (2 to 12, the first drives, the second navigates)."""
    timer = Timer.new(duration_ms, remaining_ms)
    members = roster.from_names(names)
    for _ in range(5):  # a collision in 49 bits is next to impossible, but cheap to handle
        room = PairRoom(access_code=access_code.generate(), mission_url=mission_url or "",
                        status=RoomStatus.IN_PROGRESS.value)
        set_roster(room, members)
        room.timer = TimerRecord()
        room.timer.apply(timer)
        db.session.add(room)
        try:
            db.session.commit()
            return room
        except IntegrityError:
            db.session.rollback()
    raise RuntimeError("could not allocate a unique access code")


def load_room(code: str) -> PairRoom:
    """The room for a code as typed by a person (deleted ones included), or 404."""
    key = access_code.normalize(code)
    room = None
    if key is not None:
        room = db.session.execute(
            select(PairRoom).where(PairRoom.access_code == key)).scalar_one_or_none()
    if room is None:
        raise NotFound(N_("No room has the access code %(code)s"), code=repr(code))
    return room


def readable_room(code: str) -> PairRoom:
    room = load_room(code)
    if room.deleted:
        raise NotFound(N_("The room %(code)s was deleted"), code=access_code.display(room.access_code))
    return room


def ensure_writable(room: PairRoom, allow_completed: bool = False) -> None:
    """Commands that change a room refuse deleted rooms, and (unless the command
    is about completion itself) completed ones: 409."""
    if room.deleted:
        raise Conflict(N_("The room %(code)s was deleted"), code=access_code.display(room.access_code))
    if room.completed and not allow_completed:
        raise Conflict(N_("The room %(code)s is completed"), code=access_code.display(room.access_code))


def room_exists(code: str) -> bool:
    try:
        readable_room(code)
        return True
    except NotFound:
        return False


def room_json(room: PairRoom, timer: Timer, now: int) -> dict:
    """GET /api/pair-room/{code}."""
    return {
        "id": room.id,
        "accessCode": access_code.display(room.access_code),
        "driver": room.driver,
        "navigator": room.navigator,
        "missionUrl": room.mission_url,
        "status": room.status,
        "duration": timer.duration_ms,
        "remainingTime": timer.remaining(now),
        "members": roster_of(room),
        "goal": room.goal or "",
        "breaks": breaks_json(room),
    }


def breaks_json(room: PairRoom) -> dict:
    """The break setting: ``every`` turns (0: off), ``duration`` ms, turns to go."""
    every = room.break_every or 0
    return {"every": every, "duration": room.break_ms or 0,
            "turnsUntilBreak": breaks.turns_until_break(room.turns_since_break or 0, every)}


def room_state(room: PairRoom, timer: Timer, now: int) -> dict:
    """The ``room`` event: everything a browser needs to be in sync."""
    return {
        "accessCode": access_code.display(room.access_code),
        "driver": room.driver,
        "navigator": room.navigator,
        "status": room.status,
        "turnsCompleted": room.turns_completed,
        "pairedMs": room.paired_ms + timer.paired_elapsed(now),
        "timer": {**timer.snapshot(now), "kind": timer.kind},  # turn | break
        "members": roster_of(room),
        "goal": room.goal or "",
        "breaks": breaks_json(room),
    }


def pair_json(room: PairRoom) -> dict:
    return {"driver": room.driver, "navigator": room.navigator}


def follows_time_up(room: PairRoom, timer: Timer, now: int, window_ms: int) -> bool:
    """Is a swap asked for now the one the last time-up already made? Yes within
    ``window_ms`` of a server-decided time-up while the next turn has not begun
    (a start clears the marker; a new turn length set meanwhile does not): every
    coduo screen asks for a swap when it hears ``"0"``, and the server swapped once
    already."""
    return (room.last_time_up_at_ms is not None and not timer.running
            and now - room.last_time_up_at_ms < window_ms)


def roster_of(room: PairRoom) -> list[dict]:
    """The room's members in the order of turns, the driver first (a room from before
    rosters: its driver and navigator)."""
    if room.members:
        return [dict(m) for m in room.members]
    return [roster.member(1, room.driver), roster.member(2, room.navigator)]


def set_roster(room: PairRoom, members: list[dict]) -> bool:
    """The room's new roster; driver and navigator follow it. True if they changed."""
    before = (room.driver, room.navigator)
    room.members = members  # a new list: the JSON column sees the change
    room.last_member_id = max([room.last_member_id or 0] + [m["id"] for m in members])
    room.driver, room.navigator = roster.roles(members)
    return (room.driver, room.navigator) != before


def rotate_roles(room: PairRoom) -> None:
    """The next turn's roles (a time-up, a swap): with two members, a swap."""
    set_roster(room, roster.rotate(roster_of(room)))


def mark_deleted(room: PairRoom) -> None:
    room.deleted_at = utcnow()
