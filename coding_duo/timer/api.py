"""The timer API: read, update, start, stop (/api/{code}/timer)."""
from flask import jsonify

from ..context import duo
from ..rooms import access_code
from ..rooms.service import load_room, readable_room
from ..web.api import bp
from ..web.validation import parse_body
from .schemas import UpdateTimer


@bp.get("/<code>/timer")
def get_timer(code):
    # Hot path: answered from memory when the room's timer is cached.
    key = access_code.normalize(code)
    timers = duo().timers
    timer = timers.cached_timer(key) if key else None
    if timer is None:
        timer = timers.timer_for(readable_room(code))
    return jsonify(id=timer.id, duration=timer.duration_ms,
                   remainingTime=timer.remaining(timers.clock()), kind=timer.kind)


@bp.patch("/<code>/timer")
def update_timer(code):
    room = load_room(code)
    body = parse_body(UpdateTimer)
    duo().timers.update(room, body.duration, body.remainingTime)
    return "", 204


@bp.patch("/<code>/timer/start")
def start_timer(code):
    duo().timers.start(load_room(code))
    return "", 204


@bp.patch("/<code>/timer/stop")
def stop_timer(code):
    duo().timers.pause(load_room(code))
    return "", 204
