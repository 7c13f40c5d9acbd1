"""Moving a room between servers: ``export_room`` writes everything a room has
(roles, timer, todos, categories, links, retrospectives, turn history) as JSON, ``import_room``
reads the same JSON back into a database. A room whose
timer was running is imported paused at the time it had when exported (the
server it lands on was not ticking it); importing says so."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ..extensions import db
from ..history.models import Turn
from ..history.record import history
from ..mob import roster
from ..retros.models import Retrospective
from ..retros.service import retrospectives
from ..rooms import access_code
from ..rooms.models import PairRoom
from ..rooms.service import roster_of, set_roster
from ..timer.domain import BREAK, TURN, Timer, TimerStatus
from ..timer.models import TimerRecord
from ..tools.models import Category, ReferenceLink, Todo, public_id
from ..tools.references import list_categories, list_links
from ..tools.todos import list_todos
from .models import aware

FORMAT = "coding-duo-room"
VERSION = 1


class ImportRefused(Exception):
    """The file cannot be imported as it is; the message says why."""


def _when(moment: datetime | None) -> str | None:
    moment = aware(moment)
    return moment.isoformat() if moment else None


def _parse_when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def export_room(room: PairRoom) -> dict:
    timer = room.timer
    return {
        "format": FORMAT, "version": VERSION,
        "room": {"accessCode": access_code.display(room.access_code), "driver": room.driver,
                 "navigator": room.navigator, "missionUrl": room.mission_url,
                 "status": room.status, "turnsCompleted": room.turns_completed,
                 "pairedMs": room.paired_ms, "createdAt": _when(room.created_at),
                 "touchedAt": _when(room.touched_at), "deletedAt": _when(room.deleted_at),
                 "members": roster_of(room), "lastMemberId": room.last_member_id or 0,
                 "goal": room.goal or "",
                 "breaks": {"every": room.break_every or 0, "durationMs": room.break_ms or 0,
                            "turnsSinceBreak": room.turns_since_break or 0}},
        "timer": {"durationMs": timer.duration_ms, "remainingMs": timer.remaining_ms,
                  "status": timer.status, "endsAtMs": timer.ends_at_ms,
                  "kind": timer.kind, "turnMs": timer.turn_ms},
        "todos": [{"id": t.id, "content": t.content, "isChecked": t.is_checked,
                   "position": t.position, "createdAt": _when(t.created_at)} for t in list_todos(room)],
        "categories": [{"id": c.id, "value": c.value, "createdAt": _when(c.created_at)}
                       for c in list_categories(room)],
        "links": [{"id": link.id, "url": link.url, "categoryId": link.category_id,
                   "headTitle": link.head_title, "openGraphTitle": link.open_graph_title,
                   "description": link.description, "image": link.image,
                   "createdAt": _when(link.created_at)} for link in list_links(room)],
        "retrospectives": [{"id": r.id, "author": r.author, "answers": list(r.answers),
                            "createdAt": _when(r.created_at), "updatedAt": _when(r.updated_at)}
                           for r in retrospectives(room)],
        "turns": [{name: getattr(t, column) for name, column in TURN_FIELDS.items()}
                  for t in history(room)],
    }


TURN_FIELDS = {"number": "number", "kind": "kind", "driverId": "driver_id",  # export -> column
               "navigatorId": "navigator_id", "driver": "driver", "navigator": "navigator",
               "roster": "roster", "plannedMs": "planned_ms", "startedAtMs": "started_at_ms",
               "endedAtMs": "ended_at_ms", "pausedMs": "paused_ms", "pausedAtMs": "paused_at_ms",
               "ended": "ended"}


def import_room(data: dict, new_code: bool = False, now_ms: int = 0) -> tuple[PairRoom, list[str]]:
    """Create the room of an export (the caller commits); returns it and notes for
    the person importing. ``new_code`` gives it (and its items) fresh ids."""
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("version") != VERSION:
        raise ImportRefused(f"not a {FORMAT} export (version {VERSION})")
    try:
        return _import(data, new_code, now_ms)
    except (KeyError, TypeError, ValueError) as error:
        raise ImportRefused(f"the export is incomplete or malformed ({error!r})") from None


def _imported_roster(saved: list) -> list[dict]:
    """The roster of an export, held to the rules a room keeps (2 to 12 members with
    distinct ids, 2 present, a present driver): a ValueError (refused) otherwise."""
    members = [roster.member(int(m["id"]), str(m["name"]), m["away"] is True) for m in saved]
    if not roster.MIN_MEMBERS <= len(members) <= roster.MAX_MEMBERS \
            or len({m["id"] for m in members}) != len(members):
        raise ValueError(f"members: {roster.MIN_MEMBERS} to {roster.MAX_MEMBERS} with distinct ids")
    try:
        return roster.normalize(members)
    except roster.RosterError as error:
        raise ValueError(f"members: {error.message}") from None


def _import(data: dict, new_code: bool, now_ms: int) -> tuple[PairRoom, list[str]]:
    notes = []
    info, saved = data["room"], data["timer"]
    key = access_code.generate() if new_code else access_code.normalize(info["accessCode"])
    if key is None:
        raise ImportRefused(f"{info['accessCode']!r} is not an access code")
    if db.session.execute(select(PairRoom.id).where(PairRoom.access_code == key)).first():
        raise ImportRefused(f"a room with the code {access_code.display(key)} exists here; "
                            "use --new-code to import it under a new one")
    timer = Timer(int(saved["durationMs"]), int(saved["remainingMs"]),
                  TimerStatus(saved["status"]), saved["endsAtMs"],
                  kind=BREAK if saved.get("kind") == BREAK else TURN, turn_ms=saved.get("turnMs"))
    if timer.running:
        timer.pause(now_ms)
        notes.append(f"its timer was running: imported paused with {timer.remaining_ms // 1000} s left")
    room = PairRoom(access_code=key, driver=str(info["driver"]), navigator=str(info["navigator"]),
                    mission_url=str(info.get("missionUrl") or ""), status=str(info["status"]),
                    turns_completed=int(info["turnsCompleted"]), paired_ms=int(info["pairedMs"]),
                    created_at=_parse_when(info["createdAt"]), touched_at=_parse_when(info["touchedAt"]),
                    deleted_at=_parse_when(info.get("deletedAt")), goal=str(info.get("goal") or ""))
    saved_breaks = info.get("breaks") or {}
    room.break_every = int(saved_breaks.get("every", 0))
    room.break_ms = int(saved_breaks.get("durationMs", 0))
    room.turns_since_break = int(saved_breaks.get("turnsSinceBreak", 0))
    if info.get("members"):  # an export from before rosters has none: [driver, navigator]
        room.last_member_id = int(info.get("lastMemberId") or 0)  # ids are never reused
        set_roster(room, _imported_roster(info["members"]))
    room.timer = TimerRecord()
    room.timer.apply(timer)
    db.session.add(room)
    db.session.flush()
    ids = {}

    def fresh(old: str, model) -> str:
        if new_code:
            ids[old] = public_id()
            return ids[old]
        if db.session.get(model, old) is not None:
            raise ImportRefused(f"an item with the id {old} exists here; use --new-code")
        return old

    for c in data["categories"]:
        db.session.add(Category(id=fresh(c["id"], Category), room_id=room.id, value=str(c["value"]),
                                created_at=_parse_when(c["createdAt"])))
    for t in data["todos"]:
        db.session.add(Todo(id=fresh(t["id"], Todo), room_id=room.id, content=str(t["content"]),
                            is_checked=bool(t["isChecked"]), position=int(t["position"]),
                            created_at=_parse_when(t["createdAt"])))
    db.session.flush()
    for link in data["links"]:
        category = link.get("categoryId")
        db.session.add(ReferenceLink(
            id=fresh(link["id"], ReferenceLink), room_id=room.id,
            category_id=ids.get(category, category) if category else None, url=str(link["url"]),
            head_title=str(link["headTitle"]), open_graph_title=str(link["openGraphTitle"]),
            description=str(link["description"]), image=str(link["image"]),
            created_at=_parse_when(link["createdAt"])))
    for retro in data.get("retrospectives", []):
        db.session.add(Retrospective(
            id=fresh(retro["id"], Retrospective), room_id=room.id,
            author=None if retro.get("author") is None else str(retro["author"]),
            answers=[str(answer) for answer in retro["answers"]],
            created_at=_parse_when(retro["createdAt"]), updated_at=_parse_when(retro.get("updatedAt"))))
    for saved_turn in data.get("turns", []):  # in order: ids are given afresh, in that order
        turn = Turn(room_id=room.id, **{column: saved_turn[name] for name, column in TURN_FIELDS.items()})
        if turn.ended_at_ms is None and turn.paused_at_ms is None and saved["status"] == "RUNNING":
            # the timer is imported paused (above): so is the turn under way, at that moment
            turn.paused_at_ms = min(now_ms, int(saved["endsAtMs"]))
        db.session.add(turn)
    db.session.flush()
    return room, notes
