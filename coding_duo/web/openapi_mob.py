"""The mob part of the OpenAPI document: the roster, rotation, goal and breaks
(/api/pair-room/{code}/...). Request bodies are listed by name; ``web.openapi``
adds their schemas from the models. (The ``mob`` command line's /mob/{code}
endpoints are outside /api, plain text: README, "Using the mob command line".)"""
from __future__ import annotations

from .openapi_parts import CODE, _ok, _op, _param, _ref, _string

MEMBER_ID = _param("member_id", description="A member's id (see `members`)")

MOB_REQUEST_MODELS = ("AddMember", "UpdateMember", "Rotate", "SetGoal", "BreakSettings",
                      "StartBreak")

MEMBER = {"type": "object", "required": ["id", "name", "away"],
          "properties": {"id": {"type": "integer"}, "name": _string(), "away": {"type": "boolean"}}}
MEMBERS = {"type": "array", "items": _ref("Member"), "minItems": 2, "maxItems": 12,
           "description": "In the order of turns, the driver first; away members are skipped"}
BREAKS = {"type": "object", "required": ["every", "duration", "turnsUntilBreak"],
          "properties": {"every": {"type": "integer", "minimum": 0},
                         "duration": {"type": "integer", "minimum": 0},
                         "turnsUntilBreak": {"type": ["integer", "null"]}}}
MOB_RESPONSE_SCHEMAS = {
    "Member": MEMBER,
    "Members": {"type": "object", "required": ["members"], "properties": {"members": MEMBERS}},
    "Goal": {"type": "object", "required": ["goal"], "properties": {"goal": _string()}},
    "Breaks": BREAKS,
}
ROOM_FIELDS = {"members": MEMBERS, "goal": _string(), "breaks": _ref("Breaks")}
TIMER_FIELDS = {"kind": {"enum": ["turn", "break"]}}

def mob_paths() -> dict:
    no_content = {"204": {"description": "Done"}}
    command = (400, 404, 409, 429, 503)
    room = "/api/pair-room/{code}"
    return {
        f"{room}/members": {
            "get": _op("The roster", _ok("Members", _ref("Members")), params=[CODE],
                       tags=["mob"]),
            "post": _op("Add a member (at `position` in the order of turns; default last)",
                        _ok("Added", _ref("Member"), 201), params=[CODE], body="AddMember",
                        errors=command, tags=["mob"])},
        f"{room}/members/{{member_id}}": {
            "patch": _op("Rename, mark away or back, or move a member (position 0: drives now)",
                         no_content, params=[CODE, MEMBER_ID], body="UpdateMember",
                         errors=command, tags=["mob"]),
            "delete": _op("Remove a member (a room keeps 2, and 2 present)", no_content,
                          params=[CODE, MEMBER_ID], errors=command, tags=["mob"])},
        f"{room}/rotate": {"patch": _op(
            "Skip to the next present member, or make `driver` drive (the room gets `pair`)",
            no_content, params=[CODE], body="Rotate", body_required=False, errors=command,
            tags=["mob"])},
        f"{room}/goal": {
            "get": _op("The room's goal", _ok("Goal", _ref("Goal")), params=[CODE], tags=["mob"]),
            "put": _op("Set the goal (one line; \"\" clears it)", no_content, params=[CODE],
                       body="SetGoal", errors=command, tags=["mob"]),
            "delete": _op("Clear the goal", no_content, params=[CODE], errors=command,
                          tags=["mob"])},
        f"{room}/breaks": {"put": _op(
            "A break of `duration` ms after every `every` turns (0: off)", no_content,
            params=[CODE], body="BreakSettings", errors=command, tags=["mob"])},
        f"{room}/break/start": {"patch": _op(
            "Start a break now (its time-up rotates nobody)", no_content, params=[CODE],
            body="StartBreak", body_required=False, errors=command, tags=["mob"])},
        f"{room}/break/skip": {"patch": _op(
            "Skip the break (due or under way): a full turn waits", no_content, params=[CODE],
            errors=command, tags=["mob"])},
    }
