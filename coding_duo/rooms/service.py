"""Pair rooms: finding them by access code, their state as the browser sees
it, and the room-level commands (swap, status, delete)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..timer.domain import Timer, TimerStatus
from ..timer.models import TimerRecord
from ..web.errors import Conflict, NotFound
from . import access_code
from .models import PairRoom, RoomStatus, utcnow


def create_room(driver: str, navigator: str, duration_ms: int,
                remaining_ms: int | None = None, mission_url: str | None = None) -> PairRoom:
    timer = Timer.new(duration_ms, remaining_ms)
    for _ in range(5):  # a collision in 49 bits is next to impossible, but cheap to handle
        room = PairRoom(access_code=access_code.generate(), driver=driver, navigator=navigator,
                        mission_url=mission_url or "", status=RoomStatus.IN_PROGRESS.value)
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
        raise NotFound(f"No room has the access code {code!r}")
    return room


def readable_room(code: str) -> PairRoom:
    room = load_room(code)
    if room.deleted:
        raise NotFound(f"The room {access_code.display(room.access_code)} was deleted")
    return room


def ensure_writable(room: PairRoom, allow_completed: bool = False) -> None:
    """Commands that change a room refuse deleted rooms, and (unless the command
    is about completion itself) completed ones: 409."""
    if room.deleted:
        raise Conflict(f"The room {access_code.display(room.access_code)} was deleted")
    if room.completed and not allow_completed:
        raise Conflict(f"The room {access_code.display(room.access_code)} is completed")


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
    }


def room_state(room: PairRoom, timer: Timer, now: int) -> dict:
    """The ``room`` event: everything a browser needs to be in sync."""
    return {
        "accessCode": access_code.display(room.access_code),
        "driver": room.driver,
        "navigator": room.navigator,
        "status": room.status,
        "turnsCompleted": room.turns_completed,
        "pairedMs": room.paired_ms + timer.run_elapsed(now),
        "timer": timer.snapshot(now),
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


def swap_roles(room: PairRoom) -> None:
    room.driver, room.navigator = room.navigator, room.driver


def mark_deleted(room: PairRoom) -> None:
    room.deleted_at = utcnow()
