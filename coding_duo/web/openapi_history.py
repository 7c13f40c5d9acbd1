"""The history part of the OpenAPI document: the report (/api/{code}/report) and the
room page's retrospective, one answer set per member (/api/{code}/retrospective).
Request bodies are listed by name; ``web.openapi`` adds their schemas from the
models. (The report's pages, /rooms/{code}/report and /rooms/{code}/report.md, are
outside /api: see the README.)"""
from __future__ import annotations

from .openapi_parts import CODE, NULLABLE_STRING, _ok, _op, _ref, _string

HISTORY_REQUEST_MODELS = ("AnswerRetrospective",)

_INT = {"type": "integer"}
_NULLABLE_INT = {"type": ["integer", "null"]}
ENDINGS = ["time-up", "skipped", "restarted", "break", "reset", "completed", "deleted"]
TURN = {
    "type": "object",
    "required": ["id", "number", "kind", "driver", "navigator", "driverId", "navigatorId",
                 "roster", "away", "plannedMs", "actualMs", "pausedMs", "startedAt", "endedAt",
                 "pausedAt", "ended"],
    "description": "A turn (or break). Times are epoch ms, server time. `actualMs` is the "
                   "time it ran, `pausedMs` the time it was paused (the open one, `endedAt` "
                   "null: up to now). `ended`: how (time-up at its deadline, skipped: the roles "
                   "changed by hand, restarted, break: a break started by hand, reset, "
                   "completed, deleted), null while under way. A break's driver is who drives "
                   "after it.",
    "properties": {"id": _INT, "number": _INT, "kind": {"enum": ["turn", "break"]},
                   "driver": _string(), "navigator": _string(), "driverId": _INT,
                   "navigatorId": _INT,
                   "roster": {"type": "array", "items": _string(),
                              "description": "The members in the order of turns as it began"},
                   "away": {"type": "array", "items": _string()},
                   "plannedMs": _INT, "actualMs": {"type": "integer", "minimum": 0},
                   "pausedMs": {"type": "integer", "minimum": 0}, "startedAt": _INT,
                   "endedAt": _NULLABLE_INT, "pausedAt": _NULLABLE_INT,
                   "ended": {"enum": [*ENDINGS, None]}}}
PERSON = {"type": "object",
          "required": ["id", "name", "member", "away", "driveMs", "navigateMs", "turnsDriven",
                       "turnsNavigated", "offEvenMs"],
          "properties": {"id": _INT, "name": _string(), "member": {"type": "boolean"},
                         "away": {"type": "boolean"}, "driveMs": _INT, "navigateMs": _INT,
                         "turnsDriven": _INT, "turnsNavigated": _INT, "offEvenMs": _INT}}
BALANCE = {"type": "object",
           "required": ["people", "totalDriveMs", "evenMs", "spreadMs", "turnSpread", "turns"],
           "description": "Drive and navigate time per person (members, then anyone the history "
                          "names who left); how far from even over the present members: the most "
                          "driving minus the least (`spreadMs`), the most turns driven minus the "
                          "fewest (`turnSpread`), each one's fair share (`evenMs`).",
           "properties": {"people": {"type": "array", "items": _ref("BalancePerson")},
                          "totalDriveMs": _INT, "evenMs": _INT, "spreadMs": _INT,
                          "turnSpread": _INT, "turns": _INT}}
ANSWER_SET = {"type": "object", "required": ["id", "author", "answers", "createdAt", "updatedAt"],
              "properties": {"id": _string(), "author": NULLABLE_STRING, "createdAt": _string(),
                             "updatedAt": NULLABLE_STRING,
                             "answers": {"type": "array", "items": _string()}}}
RETROSPECTIVE = {"type": "object", "required": ["questions", "retrospectives"],
                 "properties": {"questions": {"type": "array", "items": _string(),
                                              "description": "In the request's language"},
                                "retrospectives": {"type": "array", "items": _ref("AnswerSet")}}}
REPORT = {
    "type": "object",
    "required": ["generatedAt", "room", "turns", "breaks", "balance", "todos", "links",
                 "retrospective"],
    "properties": {
        "generatedAt": _INT,
        "room": {"type": "object", "required": ["accessCode", "status", "members", "turnsCompleted",
                                                "pairedMs"]},
        "turns": {"type": "array", "items": _ref("Turn"), "description": "In order"},
        "breaks": {"type": "array", "items": _ref("Turn")},
        "balance": _ref("Balance"),
        "todos": {"type": "object", "required": ["done", "open"],
                  "properties": {"done": {"type": "array", "items": _ref("Todo")},
                                 "open": {"type": "array", "items": _ref("Todo")}}},
        "links": {"type": "array", "items": {
            "type": "object", "required": ["url", "title", "description", "categoryName"],
            "properties": {"url": _string(), "title": _string(), "description": _string(),
                           "categoryName": NULLABLE_STRING}}},
        "retrospective": _ref("Retrospective")}}
HISTORY_RESPONSE_SCHEMAS = {"Turn": TURN, "BalancePerson": PERSON, "Balance": BALANCE,
                            "AnswerSet": ANSWER_SET, "Retrospective": RETROSPECTIVE,
                            "Report": REPORT}
HISTORY_EVENTS = (
    " The turn history comes whole as `history` (a list of Turn) with the state, then as "
    "`history-change` (`put` a turn begun, gone on or ended at its index; `remove` the oldest "
    "past MAX_TURNS_PER_ROOM, or one that ended without running), first in its batch. The "
    "retrospective answer sets likewise: `retrospectives` whole, then `retrospectives-change`.")


def history_paths() -> dict:
    return {
        "/api/{code}/report": {"get": _op(
            "The room's report: the turns in order, breaks, balance, todos, links, retrospective",
            _ok("The report", _ref("Report")), params=[CODE], tags=["history"])},
        "/api/{code}/retrospective": {
            "get": _op("The retrospective's questions and every answer set, oldest first",
                       _ok("The retrospective", _ref("Retrospective")), params=[CODE],
                       tags=["retrospects"]),
            "put": _op("A member's answers (author: a member's name), written or edited",
                       {**_ok("Edited", _ref("AnswerSet")), **_ok("Written", _ref("AnswerSet"), 201)},
                       params=[CODE], body="AnswerRetrospective", errors=(400, 404, 409, 429, 503),
                       tags=["retrospects"],
                       description="`author` must be one of the room's members (any case; 400 "
                                   "otherwise); six answers of up to 1,000 characters. A second "
                                   "PUT by the same person writes over their answers.")},
    }
