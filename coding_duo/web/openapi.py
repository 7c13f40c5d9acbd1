"""The OpenAPI 3.1 document of the API, served at /api/openapi.json.

Request bodies come from the same pydantic models that validate them, so the
document cannot drift from what the server accepts; the tests check that every
API route is documented and fuzz the server against the document."""
from __future__ import annotations

from functools import lru_cache

from ..mob import schemas as mob
from ..retros import schemas as retros
from ..rooms import schemas as rooms
from ..streams.sse import LAST_EVENT_ID_PATTERN
from ..timer import schemas as timer
from ..tools import schemas as tools
from .openapi_history import (HISTORY_EVENTS, HISTORY_REQUEST_MODELS, HISTORY_RESPONSE_SCHEMAS,
                              history_paths)
from .openapi_mob import (MOB_REQUEST_MODELS, MOB_RESPONSE_SCHEMAS, ROOM_FIELDS, TIMER_FIELDS,
                          mob_paths)
from .openapi_parts import CODE, NULLABLE_STRING, _ok, _op, _param, _ref, _string


RESPONSE_SCHEMAS = {
    "Error": {"type": "object", "required": ["message"],
              "properties": {"message": _string()}},
    "AccessCode": {"type": "object", "required": ["accessCode"],
                   "properties": {"accessCode": _string(pattern="^[2-9A-Z]{5}-[2-9A-Z]{5}$")}},
    "Exists": {"type": "object", "required": ["exists"], "properties": {"exists": {"type": "boolean"}}},
    "Room": {"type": "object",
             "required": ["id", "accessCode", "driver", "navigator", "missionUrl", "status",
                          "duration", "remainingTime"],
             "properties": {"id": {"type": "integer"}, "accessCode": _string(),
                            "driver": _string(), "navigator": _string(), "missionUrl": _string(),
                            "status": {"enum": ["IN_PROGRESS", "COMPLETED"]},
                            "duration": {"type": "integer"}, "remainingTime": {"type": "integer"}}},
    "Timer": {"type": "object", "required": ["id", "duration", "remainingTime"],
              "properties": {"id": {"type": ["integer", "null"]}, "duration": {"type": "integer"},
                             "remainingTime": {"type": "integer", "minimum": 0}}},
    "Todo": {"type": "object", "required": ["id", "content", "isChecked", "order"],
             "properties": {"id": _string(), "content": _string(), "isChecked": {"type": "boolean"},
                            "order": {"type": "integer", "minimum": 0}}},
    "ReferenceLink": {"type": "object",
                      "required": ["id", "url", "headTitle", "openGraphTitle", "description",
                                   "image", "categoryId", "categoryName"],
                      "properties": {"id": _string(), "url": _string(), "headTitle": _string(),
                                     "openGraphTitle": _string(), "description": _string(),
                                     "image": _string(), "categoryId": NULLABLE_STRING,
                                     "categoryName": NULLABLE_STRING}},
    "Category": {"type": "object", "required": ["id", "value"],
                 "properties": {"id": _string(), "value": _string()}},
    "MemberExists": {"type": "object", "required": ["exists"],
                     "properties": {"exists": {"const": True}}},
    "ExistRetrospect": {"type": "object", "required": ["existRetrospect"],
                        "properties": {"existRetrospect": {"type": "boolean"}}},
    "Retrospect": {"type": "object", "required": ["id", "author", "answers", "createdAt"],
                   "properties": {"id": _string(), "author": NULLABLE_STRING,
                                  "accessCode": _string(), "createdAt": _string(),
                                  "answers": {"type": "array", "items": _string()}}},
}
RESPONSE_SCHEMAS.update(MOB_RESPONSE_SCHEMAS)
RESPONSE_SCHEMAS.update(HISTORY_RESPONSE_SCHEMAS)
RESPONSE_SCHEMAS["Room"]["properties"].update(ROOM_FIELDS)
RESPONSE_SCHEMAS["Timer"]["properties"].update(TIMER_FIELDS)
RESPONSE_SCHEMAS["Retrospects"] = {
    "allOf": [_ref("Retrospect")], "required": ["retrospects"],
    "properties": {"retrospects": {"type": "array", "items": _ref("Retrospect")}}}

STREAM_EVENTS = (
    "`connect` OK, then at once the state (`timer` `running` while running, `remaining-time`, "
    "`room`), then live events: `remaining-time` (whole seconds in ms, rounded up; once a "
    "second while running), `timer` (`start`, `pause`, `update`, `stop`, `complete`), `room`, "
    "`pair`, `close`. At time-up, in this order: "
    "`remaining-time` `0`, `timer` `stop`, `remaining-time` with the reset duration, `pair` "
    "(not after a break's time-up: it rotates nobody), `room`. `room` carries the whole "
    "state: roles, `members` (the roster, in the order of turns), `goal`, `breaks`, and the "
    "timer with its `kind` (`turn` or `break`). "
    "The lists come whole with the state (and again after a resync): `todos`, "
    "`reference-links`, `categories`; a change to one sends only what changed, as "
    "`todos-change`, `reference-links-change` or `categories-change`: "
    "`{\"op\": \"put\", \"index\": n, \"item\": {...}}` (the item, added, edited or moved, is at "
    "index n of its list now; a todo's `order` is its index) or `{\"op\": \"remove\", \"id\": "
    "\"...\"}`. A category's put renames it in its links (`categoryName`) and its remove leaves "
    "them uncategorised; no link events are sent for those." + HISTORY_EVENTS)

REQUEST_MODELS = [rooms.CreateRoom, timer.UpdateTimer, rooms.UpdateStatus, rooms.SwapRoles,
                  tools.CreateTodo, tools.EditTodo, tools.MoveTodo, tools.CreateLink,
                  tools.CreateCategory, tools.RenameCategory, retros.CreateRetrospect,
                  *(getattr(mob, name) for name in MOB_REQUEST_MODELS),
                  *(getattr(retros, name) for name in HISTORY_REQUEST_MODELS)]

def _paths() -> dict:
    no_content = {"204": {"description": "Done"}}
    command = (400, 404, 409, 429, 503)
    return {
        "/api/health-check": {"get": _op("Liveness", _ok("Alive", {"type": "object"}), errors=(429,))},
        "/api/sign-in/check": {"get": _op("coduo's client asks this: there are no accounts",
                                          _ok("Never signed in", {"type": "object"}), errors=(429,))},
        "/api/openapi.json": {"get": _op("This document", _ok("OpenAPI 3.1", {"type": "object"}),
                                         errors=(429,))},
        "/api/pair-room": {"post": _op("Create a room", _ok("Created", _ref("AccessCode"), 201),
                                       body="CreateRoom", errors=(429, 503), tags=["rooms"])},
        "/api/pair-room/exists": {"get": _op(
            "Does a room with this code exist?", _ok("Answer", _ref("Exists")),
            params=[_param("access_code", "query", required=False)], errors=(429, 503),
            tags=["rooms"])},
        "/api/pair-room/{code}": {
            "get": _op("A room", _ok("The room", _ref("Room")), params=[CODE], tags=["rooms"]),
            "delete": _op("Delete a room: its streams get `close` and end", no_content,
                          params=[CODE], errors=command, tags=["rooms"])},
        "/api/pair-room/{code}/pair-swap": {"patch": _op(
            "Swap driver and navigator (the room gets `pair`)", no_content, params=[CODE],
            body="SwapRoles", body_required=False, errors=command, tags=["rooms"],
            description="The body is optional (coduo sends none). Without `intent: \"new\"`, "
                        "a swap asked for within TIME_UP_SWAP_WINDOW_SECONDS (5 s) of a "
                        "server-decided time-up, before the next turn starts, is that "
                        "time-up's swap (every coduo screen asks for one): 204, no event, "
                        "no change. With `intent: \"new\"` it always swaps.")},
        "/api/pair-room/{code}/status": {"patch": _op(
            "Complete (stops the timer; screens get `timer` `complete`) or reopen a room",
            no_content, params=[CODE], body="UpdateStatus", errors=command, tags=["rooms"])},
        "/api/member/{code}/exists": {"get": _op(
            "coduo's \"is this user in the room?\": holding the link is membership",
            _ok("The room exists", _ref("MemberExists")), params=[CODE], tags=["retrospects"])},
        "/api/member/retrospect/{code}/exists": {"get": _op(
            "Has the room a retrospective?", _ok("Answer", _ref("ExistRetrospect")),
            params=[CODE], tags=["retrospects"])},
        "/api/retrospects": {"post": _op(
            "Add an answer set to a room's retrospective (a second one is added, not merged)",
            _ok("Added", _ref("Retrospect"), 201), body="CreateRetrospect", errors=command,
            tags=["retrospects"])},
        "/api/retrospects/{code}": {
            "get": _op("The latest answer set (`answers`), and every set (`retrospects`)",
                       _ok("The retrospective", _ref("Retrospects")), params=[CODE],
                       tags=["retrospects"]),
            "delete": _op("Delete every answer set of the room", no_content, params=[CODE],
                          errors=command, tags=["retrospects"])},
        "/api/{code}/timer": {
            "get": _op("The timer (remaining time is live)", _ok("The timer", _ref("Timer")),
                       params=[CODE], tags=["timer"]),
            "patch": _op("Set duration and remaining time (a running timer keeps running)",
                         no_content, params=[CODE], body="UpdateTimer", errors=command,
                         tags=["timer"])},
        "/api/{code}/timer/start": {"patch": _op("Start or resume (idempotent)", no_content,
                                                 params=[CODE], errors=command, tags=["timer"])},
        "/api/{code}/timer/stop": {"patch": _op("Pause, keeping the exact remaining time",
                                                no_content, params=[CODE], errors=command,
                                                tags=["timer"])},
        "/api/{code}/connect": {
            "get": _op("The room's event stream (Server-Sent Events)",
                       {"200": {"description": "connect, then the state at once, then live events "
                                               "(also `presence` {\"screens\": N} when a stream of the room "
                                               "opens or closes)",
                                "content": {"text/event-stream": {"schema": {"type": "string"}}}}},
                       description=STREAM_EVENTS,
                       params=[CODE, {"name": "Last-Event-ID", "in": "header", "required": False,
                                      "schema": {"type": "string", "pattern": LAST_EVENT_ID_PATTERN}}],
                       errors=(400, 404, 429, 503), tags=["stream"]),
            "delete": _op("Every stream of the room gets `close` and ends", no_content,
                          params=[CODE], tags=["stream"])},
        "/api/{code}/todos": {
            "get": _op("The todo list, in order", _ok("Todos", {"type": "array", "items": _ref("Todo")}),
                       params=[CODE], tags=["todos"]),
            "post": _op("Add a todo at the end", _ok("Created", _ref("Todo"), 201), params=[CODE],
                        body="CreateTodo", errors=command, tags=["todos"])},
        "/api/todos/{todo_id}/contents": {"patch": _op(
            "Edit a todo", no_content, params=[_param("todo_id")], body="EditTodo",
            errors=command, tags=["todos"])},
        "/api/todos/{todo_id}/checked": {"patch": _op(
            "Check or uncheck a todo (toggles)", no_content, params=[_param("todo_id")],
            errors=command, tags=["todos"])},
        "/api/todos/{todo_id}/order": {"patch": _op(
            "Move a todo to an index", no_content, params=[_param("todo_id")], body="MoveTodo",
            errors=command, tags=["todos"])},
        "/api/todos/{todo_id}": {"delete": _op("Delete a todo", no_content,
                                               params=[_param("todo_id")], errors=command,
                                               tags=["todos"])},
        "/api/{code}/reference-link": {
            "get": _op("Reference links, optionally of one category",
                       _ok("Links", {"type": "array", "items": _ref("ReferenceLink")}),
                       params=[CODE, _param("categoryId", "query", required=False)], tags=["links"]),
            "post": _op("Add a link: saved at once, titled with its URL; its page's preview is "
                        "fetched afterwards and the room's links pushed again",
                        _ok("Created", _ref("ReferenceLink"), 201), params=[CODE],
                        body="CreateLink", errors=command, tags=["links"])},
        "/api/{code}/reference-link/{link_id}": {"delete": _op(
            "Delete a link", no_content, params=[CODE, _param("link_id")], errors=command,
            tags=["links"])},
        "/api/{code}/category": {
            "get": _op("Categories", _ok("Categories", {"type": "array", "items": _ref("Category")}),
                       params=[CODE], tags=["links"]),
            "post": _op("Add a category", _ok("Created", _ref("Category"), 201), params=[CODE],
                        body="CreateCategory", errors=command, tags=["links"]),
            "patch": _op("Rename a category", _ok("Renamed", _ref("Category")), params=[CODE],
                         body="RenameCategory", errors=command, tags=["links"])},
        "/api/{code}/category/{category_id}": {"delete": _op(
            "Delete a category (its links stay, uncategorised)", no_content,
            params=[CODE, _param("category_id")], errors=command, tags=["links"])},
    }


def _link_operations(paths: dict) -> None:
    """operationIds, and OpenAPI links from what creates an id to what uses it, so a
    fuzzer (and a reader) can follow a created room into every operation on it."""
    creators = {"code": ("/api/pair-room", "post", "$response.body#/accessCode"),
                "todo_id": ("/api/{code}/todos", "post", "$response.body#/id"),
                "link_id": ("/api/{code}/reference-link", "post", "$response.body#/id"),
                "category_id": ("/api/{code}/category", "post", "$response.body#/id"),
                "member_id": ("/api/pair-room/{code}/members", "post", "$response.body#/id")}
    for path, operations in paths.items():
        for method, operation in operations.items():
            words = [w for w in path.replace("/api/", "").replace("-", "_").split("/")
                     if w and not w.startswith("{")]
            operation["operationId"] = method + "_" + "_".join(words or ["root"]) + (
                "_by_" + "_".join(p["name"] for p in operation["parameters"] if p["in"] == "path")
                if any(p["in"] == "path" for p in operation["parameters"]) else "")
    for path, operations in paths.items():
        for method, operation in operations.items():
            path_params = [p["name"] for p in operation["parameters"] if p["in"] == "path"]
            for name in path_params:
                creator_path, creator_method, expression = creators[name]
                if (creator_path, creator_method) == (path, method):
                    continue
                creator = paths[creator_path][creator_method]
                success = next(code for code in creator["responses"] if code.startswith("2"))
                parameters = {name: expression}
                if name != "code" and "code" in path_params:
                    parameters["code"] = "$request.path.code"
                creator["responses"][success].setdefault("links", {})[
                    f"{operation['operationId']}"] = {
                        "operationId": operation["operationId"], "parameters": parameters}


@lru_cache(maxsize=1)
def document() -> dict:
    paths = {**_paths(), **mob_paths(), **history_paths()}
    _link_operations(paths)
    schemas = dict(RESPONSE_SCHEMAS)
    for model in REQUEST_MODELS:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    return {
        "openapi": "3.1.0",
        "info": {"title": "Coding Duo", "version": "1.0",
                 "description": "Pair and mob rooms with a server-synchronised turn timer. "
                                "Errors are JSON {\"message\": ...} with a 4xx/5xx status. "
                                "(The `mob` command line's endpoints, /mob/{code} and "
                                "/mob/{code}/goal, answer plain text: see the README.)"},
        "paths": paths,
        "components": {"schemas": schemas},
    }
