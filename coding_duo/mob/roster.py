"""The roster of a room, as pure functions: no Flask, no database.

A roster is a list of members (``{"id", "name", "away"}``) in the order of turns,
starting with the driver: the driver is the first member, the navigator the first
present member after it, the rest wait in that order. The list is a circle, so a
rotation only turns it (the order of the circle never changes by itself): an away
member keeps their place and is only skipped. Every function returns a new list,
normalised (a present member first), and refuses what would break the rules:

- 2 to 12 members, at least 2 of them present (so a pair room has no away member);
- names unique in the room (ignoring case), except in a room created as a pair
  (today's rooms may have the same name twice; they keep it);
- an away member cannot be made driver.
"""
from __future__ import annotations

MIN_MEMBERS = 2
MAX_MEMBERS = 12


def N_(message: str) -> str:
    """Marks a message for the catalog: it is translated where it is said (mob/service.py)."""
    return message


class RosterError(Exception):
    """A change the rules refuse; ``status`` says how (404 unknown member, 409 refused).
    ``message`` is English; ``template`` and ``params`` are for saying it in another
    language (``gettext(template, **params)``)."""

    def __init__(self, message: str, status: int = 409, **params):
        self.template = message
        self.params = params
        self.message = message % params if params else message
        super().__init__(self.message)
        self.status = status


def member(member_id: int, name: str, away: bool = False) -> dict:
    return {"id": member_id, "name": name, "away": away}


def from_names(names: list[str]) -> list[dict]:
    """A new roster, in this order (the first drives, the second navigates)."""
    if not MIN_MEMBERS <= len(names) <= MAX_MEMBERS:
        raise RosterError(N_("A room has %(min)s to %(max)s members"), 400, min=MIN_MEMBERS, max=MAX_MEMBERS)
    if len(names) > MIN_MEMBERS:
        _check_unique(names)
    return [member(i + 1, name) for i, name in enumerate(names)]


def _present(members: list[dict]) -> list[int]:
    return [i for i, m in enumerate(members) if not m["away"]]


def _next_present(members: list[dict], index: int) -> int:
    """The index of the first present member after ``index`` (circularly)."""
    n = len(members)
    for step in range(1, n + 1):
        j = (index + step) % n
        if not members[j]["away"]:
            return j
    raise RosterError(N_("Nobody is present"))


def _turned(members: list[dict], index: int) -> list[dict]:
    return [dict(m) for m in members[index:] + members[:index]]


def normalize(members: list[dict]) -> list[dict]:
    """The same circle, a present member first (an away driver hands over)."""
    if len(_present(members)) < MIN_MEMBERS:
        raise RosterError(N_("At least %(min)s members must be present"), min=MIN_MEMBERS)
    if not members[0]["away"]:
        return [dict(m) for m in members]
    return _turned(members, _next_present(members, 0))


def roles(members: list[dict]) -> tuple[str, str]:
    """(driver, navigator) of a normalised roster."""
    return members[0]["name"], members[_next_present(members, 0)]["name"]


def rotate(members: list[dict]) -> list[dict]:
    """The next turn: the next present member drives, the one after navigates."""
    members = normalize(members)
    return _turned(members, _next_present(members, 0))


def find(members: list[dict], member_id: int) -> int:
    for i, m in enumerate(members):
        if m["id"] == member_id:
            return i
    raise RosterError(N_("The room has no member %(id)s"), 404, id=member_id)


def find_name(members: list[dict], name: str) -> int | None:
    folded = name.casefold()
    return next((i for i, m in enumerate(members) if m["name"].casefold() == folded), None)


def make_driver(members: list[dict], member_id: int) -> list[dict]:
    i = find(members, member_id)
    if members[i]["away"]:
        raise RosterError(N_("%(name)s is away: mark them back first"), name=members[i]["name"])
    return normalize(_turned(members, i))


def _check_unique(names: list[str]) -> None:
    seen = set()
    for name in names:
        if name.casefold() in seen:
            raise RosterError(N_("Two members are called %(name)s: names must differ"), name=repr(name))
        seen.add(name.casefold())


def add(members: list[dict], name: str, position: int | None = None,
        new_id: int | None = None) -> list[dict]:
    """A new member at ``position`` (0 drives now; default: last in the queue), with
    ``new_id`` (default: one above the ids held; the room passes one never used, so a
    stale screen's click on a removed member cannot hit a new one)."""
    if len(members) >= MAX_MEMBERS:
        raise RosterError(N_("A room has at most %(max)s members"), max=MAX_MEMBERS)
    _check_unique([m["name"] for m in members] + [name])
    position = len(members) if position is None else position
    if not 0 <= position <= len(members):
        raise RosterError(N_("position must be between 0 and %(max)s"), 400, max=len(members))
    new_id = max(m["id"] for m in members) + 1 if new_id is None else new_id
    result = [dict(m) for m in members]
    result.insert(position, member(new_id, name))
    return normalize(result)


def remove(members: list[dict], member_id: int) -> list[dict]:
    i = find(members, member_id)
    if len(members) <= MIN_MEMBERS:
        raise RosterError(N_("A room has at least %(min)s members"), min=MIN_MEMBERS)
    return normalize(members[:i] + members[i + 1:])


def rename(members: list[dict], member_id: int, name: str) -> list[dict]:
    i = find(members, member_id)
    _check_unique([m["name"] for j, m in enumerate(members) if j != i] + [name])
    result = [dict(m) for m in members]
    result[i]["name"] = name
    return result


def set_away(members: list[dict], member_id: int, away: bool) -> list[dict]:
    i = find(members, member_id)
    result = [dict(m) for m in members]
    result[i]["away"] = away
    return normalize(result)


def move(members: list[dict], member_id: int, position: int) -> list[dict]:
    """``member_id`` to ``position`` in the order of turns (0: they drive now)."""
    i = find(members, member_id)
    if not 0 <= position < len(members):
        raise RosterError(N_("position must be between 0 and %(max)s"), 400, max=len(members) - 1)
    result = [dict(m) for m in members]
    result.insert(position, result.pop(i))
    return normalize(result)
