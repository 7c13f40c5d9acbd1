"""The workload of bench/chaos.py and what it expects: random commands on both
processes (start, pause, update, swap, todos added, moved and checked), the todo
list each room must have (the order the last acknowledged move left), and what
a screen shows of a room (timer details and presence included) to hold against
the database after each fault heals."""
from __future__ import annotations

import json
import threading

from screens import shown

EMPTY_JSON = {"Content-Type": "application/json"}
TICK_SLACK_MS = 1100  # a tick is a whole second, sent within 100 ms of it


class TodoModel:
    """Per room, the todos as the acknowledged commands left them: ids in order and
    their done flags. Todo commands on one room are made one at a time (a lock), so
    the order they were acknowledged is the order they were applied; a command with
    no answer leaves the room unknown until the next quiet point, when the model is
    taken from the database (after checking no acknowledged todo is missing)."""

    def __init__(self, codes):
        self.items = {code: [] for code in codes}  # [{"id", "content", "isChecked"}]
        self.unknown = {code: False for code in codes}
        self.locks = {code: threading.Lock() for code in codes}
        self.contents = {code: [] for code in codes}  # every acknowledged todo's content

    def check(self, code, stored: list, report_add) -> None:
        """At a quiet point: the database's list against the model."""
        have = [(t["id"], t["isChecked"]) for t in stored]
        stored_contents = {t["content"] for t in stored}
        for content in self.contents[code]:
            if content not in stored_contents:
                report_add("lost-write", code, "-", f"todo {content!r} was acknowledged, "
                           "and is not in the database")
        if not self.unknown[code]:
            want = [(t["id"], t["isChecked"]) for t in self.items[code]]
            if have != want:
                report_add("todo-order", code, "-", f"database {have}, the acknowledged "
                           f"commands left {want}")
        self.items[code] = [dict(t) for t in stored]
        self.unknown[code] = False


def command(cluster, rng, code, process, n, todos: TodoModel):
    """One random command; returns (what, status or None when no answer came)."""
    api = cluster.api(process)
    what = rng.choices(["start", "stop", "update", "swap", "todo", "move", "check"],
                       [3, 2, 1, 1, 3, 2, 1])[0]
    try:
        if what == "start":
            return what, api.start(code).status_code
        if what == "stop":
            return what, api.stop(code).status_code
        if what == "update":
            ms = rng.randint(2, 5) * 1000
            return what, api.call("PATCH", f"/api/{code}/timer",
                                  {"duration": ms, "remainingTime": ms}).status_code
        if what == "swap":
            return what, api.call("PATCH", f"/api/pair-room/{code}/pair-swap",
                                  headers=EMPTY_JSON).status_code
        with todos.locks[code]:
            return what, todo_command(api, rng, code, what, n, todos)
    except Exception:  # noqa: BLE001 - no answer (a process killed, a stalled link)
        if what in ("todo", "move", "check"):
            todos.unknown[code] = True
        return what, None


def todo_command(api, rng, code, what, n, todos: TodoModel):
    items = todos.items[code]
    if what != "todo" and not items:
        what = "todo"
    if what == "todo":
        content = f"todo {n}"
        response = api.call("POST", f"/api/{code}/todos", {"content": content})
        if 200 <= response.status_code < 300:
            todos.contents[code].append(content)
            items.append({"id": response.json()["id"], "content": content, "isChecked": False})
        elif response.status_code >= 500:
            todos.unknown[code] = True
        return response.status_code
    index = rng.randrange(len(items))
    todo = items[index]
    if what == "move":
        to = rng.randrange(len(items))
        status = api.call("PATCH", f"/api/todos/{todo['id']}/order", {"order": to}).status_code
        if 200 <= status < 300:
            items.insert(to, items.pop(index))
    else:
        status = api.call("PATCH", f"/api/todos/{todo['id']}/checked", headers=EMPTY_JSON).status_code
        if 200 <= status < 300:
            todo["isChecked"] = not todo["isChecked"]
    if status >= 500:
        todos.unknown[code] = True
    return status


def screen_view(events) -> dict:
    """What a screen shows: roles, status, lists (``screens.shown``), and the timer's
    details from its last ``room`` event, the last tick after it, and the presence count."""
    state = shown(events)
    timer, tick, presence = None, None, None
    for e in events:
        if e.event == "room":
            timer, tick = json.loads(e.data)["timer"], None
        elif e.event == "remaining-time":
            tick = (int(e.data), e.at * 1000)
        elif e.event == "presence":
            presence = json.loads(e.data)["screens"]
    state.update(timer=timer, tick=tick, presence=presence)
    return state


def differences(view: dict, want: dict, live_screens: int) -> dict:
    """The fields where a screen's view differs from the database's state."""
    diff = {k: (view.get(k), want[k]) for k in want
            if not k.startswith("timer_") and k != "turnsCompleted" and view.get(k) != want[k]}
    timer = view["timer"] or {}
    if timer.get("duration") != want["timer_duration"]:
        diff["duration"] = (timer.get("duration"), want["timer_duration"])
    if want["status"] == "RUNNING":
        if timer.get("endsAt") != want["timer_ends_at"]:
            diff["endsAt"] = (timer.get("endsAt"), want["timer_ends_at"])
        tick = view["tick"]
        if tick is not None and tick[0] > 0 and \
                abs((want["timer_ends_at"] - tick[1]) - tick[0]) > TICK_SLACK_MS:
            diff["remaining"] = (tick[0], round(want["timer_ends_at"] - tick[1]))
    elif timer.get("remainingTime") != want["timer_remaining"]:
        diff["remaining"] = (timer.get("remainingTime"), want["timer_remaining"])
    if view["presence"] != live_screens:
        diff["presence"] = (view["presence"], live_screens)
    return diff
