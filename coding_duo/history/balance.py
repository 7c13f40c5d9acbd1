"""The balance of a room's turns, as a pure function (no Flask, no database): drive
and navigate time per person and how far the rotation is from even. The room
page computes the same from the same items, live (static/room/history_model.js;
tests/history/test_balance.py holds the two to the same cases).

People are the room's members (in the order of turns) and, after them, anyone the
history names who is no longer one. "How far from even" is measured over the
present members: ``spreadMs`` is the most driving minus the least, ``turnSpread``
the most turns driven minus the fewest, and ``evenMs`` each one's fair share of
all the driving (each person's ``offEvenMs`` is their driving minus it)."""
from __future__ import annotations

TURN = "turn"


def _person(member_id: int, name: str, member: bool, away: bool) -> dict:
    return {"id": member_id, "name": name, "member": member, "away": away, "driveMs": 0,
            "navigateMs": 0, "turnsDriven": 0, "turnsNavigated": 0, "offEvenMs": 0}


def balance(turns: list[dict], members: list[dict]) -> dict:
    """``turns``: history items (``turn_json``: kind, driverId, navigatorId, driver,
    navigator, actualMs); ``members``: the roster now (id, name, away)."""
    people: dict[int, dict] = {}
    for m in members:
        people[m["id"]] = _person(m["id"], m["name"], True, bool(m.get("away")))
    for turn in turns:
        if turn["kind"] != TURN:
            continue
        driver = people.setdefault(turn["driverId"], _person(turn["driverId"], turn["driver"], False, False))
        driver["driveMs"] += turn["actualMs"]
        driver["turnsDriven"] += 1
        navigator = people.setdefault(turn["navigatorId"],
                                      _person(turn["navigatorId"], turn["navigator"], False, False))
        navigator["navigateMs"] += turn["actualMs"]
        navigator["turnsNavigated"] += 1
    everyone = list(people.values())
    total = sum(p["driveMs"] for p in everyone)
    present = [p for p in everyone if p["member"] and not p["away"]]
    even = total // len(present) if present else 0
    for person in everyone:
        person["offEvenMs"] = person["driveMs"] - even
    drives = [p["driveMs"] for p in present] or [0]
    driven = [p["turnsDriven"] for p in present] or [0]
    return {"people": everyone, "totalDriveMs": total, "evenMs": even,
            "spreadMs": max(drives) - min(drives), "turnSpread": max(driven) - min(driven),
            "turns": sum(1 for t in turns if t["kind"] == TURN)}
