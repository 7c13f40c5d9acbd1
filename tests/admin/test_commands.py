"""The admin commands on a populated database, as an operator runs them."""
import json
import sqlite3
import threading
import time

import pytest

from admin_support import flask_cli, sql
from suite_env import TEST_DATABASE
from support import Api, stream

LINKS = {"LINK_PREVIEW_ALLOW_PRIVATE": "true"}


def populate(api):
    """Three rooms: one running with lists, one completed, one deleted."""
    busy = api.create_room(600_000)
    for text in ("write the test", "make it pass", "clean up"):
        api.call("POST", f"/api/{busy}/todos", {"content": text})
    todos = api.call("GET", f"/api/{busy}/todos").json()
    api.call("PATCH", f"/api/todos/{todos[1]['id']}/checked")
    api.call("PATCH", f"/api/todos/{todos[2]['id']}/order", {"order": 0})
    category = api.call("POST", f"/api/{busy}/category", {"value": "docs"}).json()
    api.call("POST", f"/api/{busy}/reference-link",
             {"url": "http://127.0.0.1:9/nothing-here", "categoryId": category["id"]})
    api.call("PATCH", f"/api/pair-room/{busy}/pair-swap")
    api.call("POST", "/api/retrospects", {"accessCode": busy, "author": "Ann",
                                          "answers": ["one", "two", "three", "four", "five", "six"]})
    api.start(busy)
    done = api.create_room(60_000)
    api.call("PATCH", f"/api/pair-room/{done}/status", {"status": "COMPLETED"})
    gone = api.create_room(60_000)
    api.call("DELETE", f"/api/pair-room/{gone}")
    return busy, done, gone


@pytest.mark.timeout(300)  # a dozen commands, each a process that loads the app
def test_list_show_stats_export_and_import_round_trip(start_server, database_url_for):
    db = database_url_for("admin")
    server = start_server(LINKS, database_url=db)
    busy, done, gone = populate(Api(server.url))

    listing = flask_cli(db, "rooms", "list").stdout
    assert all(code in listing for code in (busy, done, gone)) and "3 room(s)" in listing
    assert done in flask_cli(db, "rooms", "list", "--status", "COMPLETED").stdout
    assert busy not in flask_cli(db, "rooms", "list", "--status", "COMPLETED").stdout
    assert gone in flask_cli(db, "rooms", "list", "--status", "DELETED").stdout
    running = flask_cli(db, "rooms", "list", "--running").stdout
    assert busy in running and done not in running
    shown = flask_cli(db, "rooms", "show", busy.lower()).stdout  # codes as people type them
    assert "todos: 3 (1 done); links: 1; categories: 1" in shown and "RUNNING" in shown
    stats = flask_cli(db, "rooms", "stats").stdout
    assert "rooms in_progress: 1" in stats and "rooms completed: 1" in stats
    assert "rooms deleted (kept until retention): 1" in stats and "running timers: 1" in stats

    exported = json.loads(flask_cli(db, "rooms", "export", busy).stdout)
    assert [t["content"] for t in exported["todos"]] == ["clean up", "write the test", "make it pass"]
    assert exported["links"][0]["categoryId"] == exported["categories"][0]["id"]
    assert exported["retrospectives"][0]["author"] == "Ann"
    assert exported["retrospectives"][0]["answers"][5] == "six"

    other = database_url_for("admin-target")
    flask_cli(other, "db", "upgrade")
    path = server.log_path + ".export.json"
    with open(path, "w") as handle:
        json.dump(exported, handle)
    imported = flask_cli(other, "rooms", "import", path)
    assert f"imported as {busy}" in imported.stdout and "imported paused" in imported.stdout
    again = json.loads(flask_cli(other, "rooms", "export", busy).stdout)
    expected = json.loads(json.dumps(exported))
    expected["timer"]["status"], expected["timer"]["endsAtMs"] = "PAUSED", None
    assert 0 < again["timer"]["remainingMs"] <= exported["timer"]["remainingMs"] + 0
    expected["timer"]["remainingMs"] = again["timer"]["remainingMs"]
    # The turn under way was running: imported paused too, at the moment of the import.
    assert [t["endedAtMs"] for t in exported["turns"]] == [None] and exported["turns"][0]["pausedAtMs"] is None
    assert exported["turns"][0]["startedAtMs"] < again["turns"][0]["pausedAtMs"] <= time.time() * 1000
    expected["turns"][0]["pausedAtMs"] = again["turns"][0]["pausedAtMs"]
    assert again == expected

    # The same file twice: refused in one line, nothing changed; --new-code imports a copy.
    refused = flask_cli(other, "rooms", "import", path, check=False)
    assert refused.returncode != 0 and "exists here" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    copy = flask_cli(other, "rooms", "import", path, "--new-code").stdout
    new_code = copy.split("imported as ")[1].split()[0]
    assert new_code != busy
    moved = json.loads(flask_cli(other, "rooms", "export", new_code).stdout)
    assert [t["content"] for t in moved["todos"]] == [t["content"] for t in exported["todos"]]
    assert moved["links"][0]["categoryId"] == moved["categories"][0]["id"] != exported["categories"][0]["id"]
    # The imported room works on a server of its own.
    target = start_server(database_url=other)
    api = Api(target.url)
    client = stream(target.url, busy)
    assert [t["content"] for t in client.wait_event("todos").json()][0] == "clean up"
    api.start(busy)
    client.wait_event("timer", "start")
    client.close()


@pytest.mark.timeout(300)
def test_bad_arguments_get_one_clear_line(database_url_for, tmp_path):
    db = database_url_for("admin-bad")
    flask_cli(db, "db", "upgrade", real=True)  # once as an operator types it
    real = flask_cli(db, "rooms", "show", "ZZZZZ-ZZZZZ", check=False, real=True)
    assert real.returncode == 1 and real.stderr.strip().count("\n") == 0, real.stderr
    assert "no room has the access code" in real.stderr
    for args, words in ((["rooms", "show", "ZZZZZ-ZZZZZ"], "no room has the access code"),
                        (["rooms", "purge", "--idle-days", "0"], "--idle-days"),
                        (["rooms", "purge"], "--idle-days")):
        result = flask_cli(db, *args, check=False)
        assert result.returncode != 0 and words in result.stderr, (args, result.stderr)
    junk = tmp_path / "junk.json"
    junk.write_text('{"format": "something else"}')
    result = flask_cli(db, "rooms", "import", str(junk), check=False)
    assert result.returncode != 0 and "not a coding-duo-room export" in result.stderr


@pytest.mark.skipif(TEST_DATABASE != "sqlite", reason="SQLite's online backup (PostgreSQL: pg_dump)")
@pytest.mark.timeout(300)
def test_backup_while_streams_tick_and_commands_write(start_server, database_url_for, tmp_path):
    db = database_url_for("backup")
    server = start_server(database_url=db)
    api = Api(server.url)
    code = api.create_room(600_000)
    client = stream(server.url, code)
    api.start(code)
    acknowledged, stop = [], threading.Event()

    def write():
        n = 0
        while not stop.is_set():
            response = api.call("POST", f"/api/{code}/todos", {"content": f"todo {n}"})
            if response.status_code == 201:
                acknowledged.append((time.monotonic(), response.json()["id"]))
            n += 1

    writer = threading.Thread(target=write)
    writer.start()
    # Enough acknowledged writes before the backup, however slow a loaded machine makes them.
    deadline = time.monotonic() + 20
    while len(acknowledged) < 20 and time.monotonic() < deadline:
        time.sleep(0.05)
    started = time.monotonic()
    target = tmp_path / "copy.sqlite3"
    done = flask_cli(db, "backup", str(target))
    time.sleep(0.5)
    stop.set()
    writer.join()
    assert "backed up" in done.stdout
    copy = sqlite3.connect(target)
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    saved = {row[0] for row in copy.execute("SELECT id FROM todo")}
    before = [todo_id for at, todo_id in acknowledged if at < started]
    assert len(before) >= 20 and set(before) <= saved
    assert copy.execute("SELECT status FROM timer").fetchone() == ("RUNNING",)
    assert client.wait_event("remaining-time", after=len(client.events), timeout=3)
    exists = flask_cli(db, "backup", str(target), check=False)
    assert exists.returncode != 0 and "exists" in exists.stderr
    client.close()


@pytest.mark.skipif(TEST_DATABASE != "postgres", reason="the PostgreSQL message")
def test_backup_on_postgresql_points_to_pg_dump(database_url_for, tmp_path):
    db = database_url_for("backup-pg")
    flask_cli(db, "db", "upgrade")
    result = flask_cli(db, "backup", str(tmp_path / "x"), check=False)
    assert result.returncode != 0 and "pg_dump" in result.stderr
