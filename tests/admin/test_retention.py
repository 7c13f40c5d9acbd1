"""Retention deletes exactly the rooms past the limit, with everything they own,
once a day, in one process however many run."""
import time

import pytest

from admin_support import age, flask_cli, sql
from suite_env import TEST_DATABASE, TEST_REDIS
from support import Api, stream

OWNED = ("todo", "category", "reference_link", "timer", "retrospective", "turn")


def owned_rows(db, code) -> dict[str, int]:
    key = code.replace("-", "")
    room = sql(db, "SELECT id FROM pair_room WHERE access_code = :k", k=key)
    if not room:
        return {}
    return {table: sql(db, f"SELECT count(*) FROM {table} WHERE room_id = :r", r=room[0][0])[0][0]
            for table in OWNED}


def furnish(api, code):
    api.call("POST", f"/api/{code}/todos", {"content": "a todo"})
    category = api.call("POST", f"/api/{code}/category", {"value": "docs"}).json()
    api.call("POST", f"/api/{code}/reference-link",
             {"url": "http://127.0.0.1:9/x", "categoryId": category["id"]})
    api.call("POST", "/api/retrospects", {"accessCode": code, "answers": ["a", "b", "c", "d", "e", "f"]})
    api.start(code), api.stop(code)  # a turn of the history


def rooms_of_every_kind(api):
    rooms = {name: api.create_room(60_000) for name in
             ("old", "old_completed", "recent_completed", "fresh", "old_running", "old_watched")}
    for code in rooms.values():
        furnish(api, code)
    for name in ("old_completed", "recent_completed"):
        api.call("PATCH", f"/api/pair-room/{rooms[name]}/status", {"status": "COMPLETED"})
    api.start(rooms["old_running"])
    return rooms


def age_them(db, rooms):
    for name, days in (("old", 40), ("old_completed", 10), ("recent_completed", 2),
                       ("old_running", 40), ("old_watched", 40)):
        age(db, rooms[name], days)


@pytest.mark.timeout(300)
def test_purge_deletes_exactly_the_rooms_past_the_limit_and_all_they_own(start_server, database_url_for):
    db = database_url_for("retention")
    server = start_server({"LINK_PREVIEW_ALLOW_PRIVATE": "true"}, database_url=db)
    api = Api(server.url)
    rooms = rooms_of_every_kind(api)
    age_them(db, rooms)
    assert owned_rows(db, rooms["old"]) == {"todo": 1, "category": 1, "reference_link": 1, "timer": 1,
                                            "retrospective": 1, "turn": 1}

    redis = {k: v for k, v in server.extra_env.items() if k.startswith("REDIS")}
    dry = flask_cli(db, "rooms", "purge", "--idle-days", "30", "--completed-days", "7", "--dry-run",
                    env=redis).stdout
    expected = {"old", "old_completed", "old_watched"}
    if TEST_REDIS:  # the command sees open streams through the shared presence
        watcher = stream(server.url, rooms["old_watched"])
        time.sleep(1.5)  # a sweep refreshes presence
        dry = flask_cli(db, "rooms", "purge", "--idle-days", "30", "--completed-days", "7",
                        "--dry-run", env=redis).stdout
        expected = {"old", "old_completed"}
    assert {name for name, code in rooms.items() if f"would delete {code}" in dry} == expected, dry
    assert all(owned_rows(db, code) for code in rooms.values()), "a dry run deleted something"

    done = flask_cli(db, "rooms", "purge", "--idle-days", "30", "--completed-days", "7",
                     env=redis).stdout
    assert f"{len(expected)} room(s) deleted" in done, done
    for name, code in rooms.items():
        if name in expected:
            assert owned_rows(db, code) == {}, name
            assert api.call("GET", f"/api/pair-room/{code}").status_code == 404
        else:
            assert owned_rows(db, code)["todo"] == 1, name
    assert api.timer(rooms["old_running"])["remainingTime"] > 0
    if TEST_REDIS:
        watcher.close()


@pytest.mark.timeout(300)
def test_the_daily_pass_runs_once_whatever_the_number_of_processes(start_server, database_url_for):
    db = database_url_for("retention-daily")
    first = start_server({"LINK_PREVIEW_ALLOW_PRIVATE": "true"}, database_url=db)
    api = Api(first.url)
    rooms = rooms_of_every_kind(api)
    first.stop()
    age_them(db, rooms)
    settings = {"ROOM_RETENTION_DAYS": "30", "COMPLETED_ROOM_RETENTION_DAYS": "7",
                "RETENTION_CHECK_SECONDS": "0.3"}
    servers = [start_server(settings, database_url=db)]
    if TEST_DATABASE == "postgres":  # several processes share PostgreSQL
        servers.append(start_server(settings, database_url=db))
    time.sleep(3)  # ten checks each
    passes = 0
    for server in servers:
        with open(server.log_path) as log:
            passes += sum("retention: deleted" in line for line in log)
    assert passes == 1, f"{passes} passes over {len(servers)} process(es)"
    gone = {name for name, code in rooms.items() if not owned_rows(db, code)}
    # A stream is open nowhere now: the old watched room goes too; a running timer stays.
    assert gone == {"old", "old_completed", "old_watched"}, gone
    assert sql(db, "SELECT last_run_at FROM maintenance WHERE name = 'retention'")[0][0] is not None
