"""A new stream's snapshot shows exactly the version it is labelled with, whatever
another process commits while it is read: the lists' change events that follow it
are deltas on top of that version (a put at an index, a remove by id), so a snapshot
holding a newer change under an older version would have it applied twice.
Round 2 only (PostgreSQL reads each statement afresh; SQLite has one writer here)."""
from __future__ import annotations

import os
import re
import threading

import psycopg
import pytest

pytestmark = pytest.mark.skipif(
    os.environ.get("TEST_DATABASE") != "postgres", reason="round 2 only (PostgreSQL)")


def test_a_commit_while_the_snapshot_is_read_waits_for_it(pg_schema_url, monkeypatch):
    from flask_migrate import upgrade

    from coding_duo import create_app
    from coding_duo.config import database_url
    from coding_duo.context import duo
    from coding_duo.timer import delivery
    # The snapshot below waits a second inside its transaction on purpose, which the
    # row-lock idle limit would end (ROW_LOCK_IDLE_MS): off for this test.
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url(pg_schema_url, ""), "TESTING": True,
                      "ROW_LOCK_IDLE_MS": 0})
    with app.app_context():
        upgrade()
        http = app.test_client()
        code = http.post("/api/pair-room", json={"driver": "A", "navigator": "B",
                                                  "timerDuration": 60_000}).get_json()["accessCode"]
        from coding_duo.rooms import access_code
        code = access_code.normalize(code)
        todos = [http.post(f"/api/{code}/todos", json={"content": f"t{n}"}).get_json()
                 for n in range(3)]
        elsewhere = threading.Event()

        def delete_elsewhere():
            """Another process's change: the room row locked for update, a todo
            deleted, the version bumped, committed."""
            with psycopg.connect(pg_schema_url) as conn:
                conn.execute("SELECT id FROM pair_room WHERE access_code = %s FOR UPDATE", (code,))
                conn.execute("DELETE FROM todo WHERE id = %s", (todos[0]["id"],))
                conn.execute("UPDATE pair_room SET version = version + 1 WHERE access_code = %s", (code,))
            elsewhere.set()
        writer = threading.Thread(target=delete_elsewhere)
        real_list_events = delivery.list_events

        def list_events_after_a_commit_elsewhere(room):
            writer.start()
            elsewhere.wait(1.0)  # it commits now, unless the snapshot holds it off
            return real_list_events(room)
        monkeypatch.setattr(delivery, "list_events", list_events_after_a_commit_elsewhere)
        client, snapshot = duo().timers.open_stream(code)
        writer.join(10)
        assert elsewhere.is_set()  # it did commit, after the snapshot
    text = snapshot.decode()
    shown = re.search(r"event: todos\ndata: (.*)\n", text).group(1)
    print(f"\nsnapshot labelled version {client.since}: {shown}")
    # Labelled with the version before the delete, it must show the todo the delete removes
    # (then the delete's own batch, newer than the label, removes it).
    assert todos[0]["id"] in shown, (client.since, shown)
