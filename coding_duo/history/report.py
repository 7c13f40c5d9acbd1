"""A room's report, to keep: the room, its timeline (turns and breaks, in order),
the balance, the todos (done and open), the links and the retrospective, as one
JSON document (``GET /api/{code}/report``), which the printable page and the
Markdown (``history.pages``) are rendered from."""
from __future__ import annotations

from datetime import datetime, timezone

from ..context import duo
from ..retros.questions import questions
from ..retros.service import retrospectives_json
from ..rooms import access_code
from ..rooms.models import PairRoom
from ..rooms.service import room_state, roster_of
from ..tools.references import links_json
from ..tools.todos import todos_json
from .balance import TURN, balance
from .record import history_json


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:  # SQLite gives naive datetimes back: they are UTC
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.isoformat()


def build_report(room: PairRoom) -> dict:
    timers = duo().timers
    now = timers.clock()
    state = room_state(room, timers.timer_for(room), now)
    timeline = history_json(room, now)
    members = roster_of(room)
    todos = todos_json(room)
    return {
        "generatedAt": now,
        "room": {"accessCode": access_code.display(room.access_code), "status": room.status,
                 "goal": room.goal or "", "missionUrl": room.mission_url or "",
                 "createdAt": _iso(room.created_at), "members": members,
                 "driver": room.driver, "navigator": room.navigator,
                 "turnsCompleted": room.turns_completed, "pairedMs": state["pairedMs"],
                 "timer": state["timer"], "breaks": state["breaks"]},
        "turns": [item for item in timeline if item["kind"] == TURN],
        "breaks": [item for item in timeline if item["kind"] != TURN],
        "balance": balance(timeline, members),
        "todos": {"done": [t for t in todos if t["isChecked"]],
                  "open": [t for t in todos if not t["isChecked"]]},
        "links": [{"url": link["url"], "title": link["openGraphTitle"] or link["headTitle"] or link["url"],
                   "description": link["description"], "categoryName": link["categoryName"]}
                  for link in links_json(room)],
        "retrospective": {"questions": questions(), "answers": retrospectives_json(room)},
    }


def timeline(report: dict) -> list[dict]:
    """Turns and breaks together, in the order they happened."""
    return sorted(report["turns"] + report["breaks"], key=lambda item: item["id"])


def duration_text(ms: int) -> str:
    """12:34, or 1:02:03 past an hour (whole seconds, rounded)."""
    seconds = (max(0, ms) + 500) // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def off_text(ms: int) -> str:
    """How far from even: +1:30, −0:45, or 0:00 (no sign) when it rounds to nothing."""
    text = duration_text(abs(ms))
    return text if text == duration_text(0) else ("+" if ms > 0 else "−") + text


def clock_text(epoch_ms: int | None) -> str:
    """The time of day in UTC (the server does not know the reader's time zone)."""
    if epoch_ms is None:
        return ""
    return datetime.fromtimestamp(epoch_ms / 1000, timezone.utc).strftime("%H:%M:%S")


def day_text(epoch_ms: int) -> str:
    return datetime.fromtimestamp(epoch_ms / 1000, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
