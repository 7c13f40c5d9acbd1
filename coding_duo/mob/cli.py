"""The ``mob`` command line (remotemobprogramming/mob) as a client: with
``MOB_TIMER_URL=https://host/mob/`` and ``MOB_TIMER_ROOM=<access code>`` it sends
``PUT /mob/<code>`` (``{"timer": N, "user": U}`` or ``{"breaktimer": N, "user": U}``)
and ``PUT|GET|DELETE /mob/<code>/goal``, and prints the body we answer. So every
answer is one line of plain text (errors too: 400, 404, 409, 429), but the goal's
GET, which the tool reads as JSON ``{"goal": ...}``."""
from __future__ import annotations

from flask import Blueprint, jsonify, request, url_for
from pydantic import StrictStr
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from ..rooms import access_code
from ..rooms.service import load_room, readable_room
from ..web.errors import ApiError
from ..web.limits import list_writes, retry_after_seconds
from ..web.validation import Body, parse_body, parse_optional_body
from . import service
from .schemas import Goal, Minutes, Name

bp = Blueprint("mob", __name__, url_prefix="/mob")


class TimerRequest(Body):
    """``mob start 10`` / ``mob timer 10`` send ``timer``; ``mob break 5`` ``breaktimer``."""
    timer: Minutes | None = None
    breaktimer: Minutes | None = None
    user: Name


class GoalRequest(Body):
    goal: Goal
    user: StrictStr | None = None  # the tool sends MOB_TIMER_USER, often ""


def text(line: str, status: int = 200, headers: dict | None = None):
    return line, status, {"Content-Type": "text/plain; charset=utf-8", **(headers or {})}


@bp.errorhandler(ApiError)
def refused(error: ApiError):
    return text(f"mob: {error.message}", error.status, error.headers)


# By status code too: Flask prefers the app's handlers for a code (429, 404) over a
# blueprint's for a class, and the tool must never be answered an HTML page.
@bp.errorhandler(HTTPException)
@bp.errorhandler(400)
@bp.errorhandler(404)
@bp.errorhandler(405)
@bp.errorhandler(413)
@bp.errorhandler(429)
def http_error(error: HTTPException):
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}  # Allow
    if error.code == 429:
        headers["Retry-After"] = str(retry_after_seconds())
    message = {429: "too many requests; slow down and try again shortly",
               404: "nothing here: set MOB_TIMER_URL to this server's /mob/ and MOB_TIMER_ROOM to a room's code",
               405: f"{request.method} is not allowed here"}.get(error.code, error.description)
    return text(f"mob: {message}", error.code, headers)


def _page(room) -> str:
    return url_for("pages.room", code=access_code.display(room.access_code), _external=True)


@bp.put("/<code>")
def timer(code):
    room = load_room(code)
    body = parse_body(TimerRequest)
    if (body.timer is None) == (body.breaktimer is None):
        raise ApiError(400, 'give either "timer" or "breaktimer" (whole minutes) and "user"')
    if body.breaktimer is not None:
        service.start_break(room, body.breaktimer * 60_000)
        return text(f"Break of {body.breaktimer} min started: {_page(room)}")
    driver, navigator = service.start_turn(room, body.user, body.timer * 60_000)
    return text(f"{driver} drives for {body.timer} min, {navigator} navigates: {_page(room)}")


@bp.get("/<code>/goal")
def get_goal(code):
    return jsonify(goal=readable_room(code).goal or "")


@bp.put("/<code>/goal")
@list_writes
def set_goal(code):
    room = load_room(code)
    goal = parse_body(GoalRequest).goal
    service.set_goal(room, goal)
    return text(f'Goal of {access_code.display(room.access_code)}: "{goal}"' if goal else
                f"Goal of {access_code.display(room.access_code)} cleared")


@bp.delete("/<code>/goal")
@list_writes
def clear_goal(code):
    room = load_room(code)
    parse_optional_body(DeleteGoal)
    service.set_goal(room, "")
    return text(f"Goal of {access_code.display(room.access_code)} cleared")


class DeleteGoal(Body):
    user: StrictStr | None = None


ANY_METHOD = ["GET", "PUT", "POST", "PATCH", "DELETE"]


@bp.route("/", defaults={"rest": ""}, methods=ANY_METHOD)
@bp.route("/<path:rest>", methods=ANY_METHOD)
def elsewhere(rest):
    """What no route above answers (``PUT /mob/`` when MOB_TIMER_ROOM is empty, a path
    or method the tool never sends): routing errors would reach the app's HTML pages,
    so they are raised here, where this blueprint's handlers answer one line of text."""
    parts = rest.split("/")
    if rest and len(parts) == 1:
        raise MethodNotAllowed(valid_methods=["PUT"])
    if rest and parts[1:] == ["goal"]:
        raise MethodNotAllowed(valid_methods=["GET", "PUT", "DELETE"])
    raise NotFound()
