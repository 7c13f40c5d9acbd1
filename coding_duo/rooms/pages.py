"""Server-rendered pages: home (create or join a room) and the pair room."""
from __future__ import annotations

import math

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import format_number, gettext as _, ngettext

from ..context import duo
from ..history.record import history_json
from ..mob.roster import MAX_MEMBERS
from ..timer.domain import MAX_DURATION_MS, MIN_DURATION_MS
from ..retros.models import ANSWER_MAX
from ..retros.questions import questions
from ..retros.service import retrospectives_json
from ..tools.models import CATEGORY_MAX, TODO_MAX
from ..tools.references import categories_json, links_json
from ..tools.todos import todos_json
from ..web.errors import ApiError
from ..web.limits import code_lookup, room_creation
from ..web.validation import validate
from . import access_code
from .models import GOAL_MAX, NAME_MAX, URL_MAX
from .schemas import CreateRoom
from .service import create_room, readable_room, room_exists, room_state

bp = Blueprint("pages", __name__)

PRESET_MINUTES = (10, 15, 30)
MINUTES_MAX = MAX_DURATION_MS // 60_000


@bp.get("/")
def home():
    return render_template("home.html", presets=PRESET_MINUTES, form={}, name_max=NAME_MAX,
                           link_max=access_code.LINK_MAX, errors={}, members_max=MAX_MEMBERS)


@bp.post("/rooms")
@room_creation
def create():
    form = request.form
    try:
        minutes = float(form.get("custom_minutes") or form.get("minutes") or "")
    except ValueError:
        return _home_error(_("Turn length must be a number of minutes."), form)
    duration = round(minutes * 60_000) if math.isfinite(minutes) and abs(minutes) <= MINUTES_MAX else None
    if duration is None or not MIN_DURATION_MS <= duration <= MAX_DURATION_MS:  # nan, inf, 1e308, 0
        # in minutes, as the form asks (the API's own message counts milliseconds)
        return _home_error(_("Turn length must be from 1 second to %(max)s minutes.",
                             max=format_number(MINUTES_MAX)), form)
    names = [form.get("driver", ""), form.get("navigator", "")]
    names += [name for name in form.getlist("members") if name.strip()]  # a mob: more people
    fields = {"members": names} if len(names) > 2 else {"driver": names[0], "navigator": names[1]}
    try:
        body = validate(CreateRoom, {**fields, "timerDuration": duration}, label=_form_label)
    except ApiError as error:
        return _home_error(error.message, form)
    room = create_room(body.names, body.timerDuration)
    return redirect(url_for("pages.room", code=access_code.display(room.access_code)), 303)


@bp.get("/join")
@code_lookup
def join():
    text = request.args.get("code", "")
    code = access_code.from_code_or_link(text)
    if code is None:
        return _home_error(_("That is not an access code (ABCDE-FGHJK) or an invite link to a room."),
                           {"code": text}, status=400, field="join")
    if not room_exists(code):
        return _home_error(_("No room has the code “%(code)s”. Check it and try again.", code=access_code.display(code)),
                           {"code": text}, status=404, field="join")
    return redirect(url_for("pages.room", code=access_code.display(code)))


@bp.get("/rooms/<code>")
def room(code):
    room = readable_room(code)
    timers = duo().timers
    state = room_state(room, timers.timer_for(room), timers.clock())
    todos = todos_json(room)
    done = sum(1 for t in todos if t["isChecked"])
    return render_template(
        "room.html", room=room, state=state, todos=todos, links=links_json(room),
        categories=categories_json(room),
        summary=summary_text(state["turnsCompleted"], state["pairedMs"], done, len(todos)),
        history=history_json(room, timers.clock()), retros=retrospectives_json(room),
        questions=questions(),
        limits={"todo": TODO_MAX, "url": URL_MAX, "category": CATEGORY_MAX, "goal": GOAL_MAX,
                "name": NAME_MAX, "answer": ANSWER_MAX})


def paired_text(paired_ms: int) -> str:
    """'1 h 5 min', '45 min', '30 s' (static/room/timer.js: pairedText)."""
    minutes = paired_ms // 60_000
    if minutes >= 60:
        return _("%(hours)s h %(minutes)s min", hours=format_number(minutes // 60), minutes=minutes % 60)
    if minutes:
        return _("%(minutes)s min", minutes=format_number(minutes))
    return _("%(seconds)s s", seconds=paired_ms // 1000)


def summary_text(turns: int, paired_ms: int, todos_done: int, todos_total: int) -> str:
    """'3 turns · 45 min paired · 2 of 5 todos done', in the request's language, its
    plurals and numbers Babel's (static/room/timer.js says it the same way)."""
    return " · ".join([
        ngettext("%(count)s turn", "%(count)s turns", turns, count=format_number(turns)),
        _("%(time)s paired", time=paired_text(paired_ms)),
        _("%(done)s of %(count)s todos done", done=format_number(todos_done), count=format_number(todos_total)),
    ])


def _form_label(loc: tuple) -> str | None:
    """The create form's fields by the labels it shows them with (a mob's members:
    the form's Driver, Navigator, then each Then), in both languages."""
    match loc:
        case ("driver",) | ("members", 0):
            return _("Driver")
        case ("navigator",) | ("members", 1):
            return _("Navigator")
        case ("members", int()):
            return _("Then")
    return None


def _home_error(message: str, form, status: int = 400, field: str = "create"):
    """The form again, with the message under the form it is about (create or join)."""
    return render_template("home.html", presets=PRESET_MINUTES, form=form, name_max=NAME_MAX,
                           link_max=access_code.LINK_MAX, errors={field: message},
                           members_max=MAX_MEMBERS), status
