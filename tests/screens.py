"""What a screen shows, from the events its stream received (the way
static/room/main.js reads them), and the database's truth to hold it against:
after the last change to a room, every screen of it must end on the truth."""
from __future__ import annotations

import time

LISTS = ("todos", "reference-links", "categories")


def apply_change(items: list, change: dict) -> None:
    """A ``*-change`` event applied to a list, as static/room/changes.js does."""
    item_id = change["item"]["id"] if change["op"] == "put" else change["id"]
    items[:] = [item for item in items if item["id"] != item_id]
    if change["op"] == "put":
        items.insert(min(max(change["index"], 0), len(items)), change["item"])


def apply_list_event(state: dict, event: str, data) -> None:
    """A list event (whole, or a change) applied to ``state`` (list name -> items)."""
    if event in LISTS:
        state[event] = data
        return
    name = event.removesuffix("-change")
    items = [dict(item) for item in state[name]]
    apply_change(items, data)
    if name == "todos":
        for index, todo in enumerate(items):
            todo["order"] = index
    if name == "categories":
        category_id = data["item"]["id"] if data["op"] == "put" else data["id"]
        links = [dict(link) for link in state["reference-links"]]
        for link in links:
            if link["categoryId"] == category_id:
                link.update(categoryName=data["item"]["value"]) if data["op"] == "put" \
                    else link.update(categoryId=None, categoryName=None)
        state["reference-links"] = links
    state[name] = items


def history_shown(events) -> list | None:
    """The turn history a screen shows: ``history`` whole, then each ``history-change``
    applied (as static/room/history.js does, with changes.js)."""
    items = None
    for e in events:
        if e.event == "history":
            items = e.json()
        elif e.event == "history-change":
            apply_change(items, e.json())
    return items


def shown(events) -> dict:
    """The roles, the timer's status and the lists a screen shows after ``events``."""
    state = {"driver": None, "navigator": None, "status": None, "roomStatus": None}
    state.update({name: None for name in LISTS})
    for e in events:
        if e.event == "room":
            data = e.json()
            state.update(driver=data["driver"], navigator=data["navigator"],
                         status=data["timer"]["status"], roomStatus=data["status"])
        elif e.event == "pair":
            data = e.json()
            state.update(driver=data["driver"], navigator=data["navigator"])
        elif e.event == "timer" and e.data == "stop":
            state["status"] = "IDLE"  # time-up: main.js resets before the pair event
        elif e.event in LISTS or e.event.removesuffix("-change") in LISTS:
            apply_list_event(state, e.event, e.json())
    return state


def truth(pg_url: str, api, code: str) -> dict:
    """The room as the database has it (roles and timer from the tables, lists
    through the API, which reads them from the database)."""
    import psycopg
    room = api.room(code)
    with psycopg.connect(pg_url) as conn:
        driver, navigator, status, room_status = conn.execute(
            "SELECT r.driver, r.navigator, t.status, r.status FROM pair_room r "
            "JOIN timer t ON t.room_id = r.id WHERE r.id = %s", (room["id"],)).fetchone()
    state = {"driver": driver, "navigator": navigator, "status": status,
             "roomStatus": room_status}
    for name, path in (("todos", f"/api/{code}/todos"),
                       ("reference-links", f"/api/{code}/reference-link"),
                       ("categories", f"/api/{code}/category")):
        response = api.call("GET", path)
        assert response.status_code == 200, (path, response.text)
        state[name] = response.json()
    return state


def wrong_after(screens, want: dict, bound: float) -> list[tuple[int, dict]]:
    """Wait up to ``bound`` seconds for every screen to show ``want``; returns the
    screens that still do not, as (index, what it shows)."""
    deadline = time.monotonic() + bound
    while True:
        wrong = []
        for index, screen in enumerate(screens):
            with screen._cond:
                events = list(screen.events)
            state = shown(events)
            if state != want:
                wrong.append((index, state))
        if not wrong or time.monotonic() >= deadline:
            return wrong
        time.sleep(0.02)
