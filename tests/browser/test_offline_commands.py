"""A command that cannot reach the server says so next to the control and offers
a Retry; when the connection is back the error goes, and the retried command
gets through (both screens see it) and says so."""
from __future__ import annotations

import pytest

from support import Api, ServerProcess

pytestmark = pytest.mark.once  # see tests/conftest.py


def test_pause_while_the_server_is_stopped_then_retry(people, database_url_for):
    env = {"HEARTBEAT_SECONDS": "2", "EMPTY_ROOM_GRACE_SECONDS": "0", "STREAM_RETRY_MS": "500"}
    server = ServerProcess(database_url_for("browser-offline"), env).start()
    restarted = None
    try:
        api = Api(server.url)
        code = api.create_room(600_000)
        a, b = people(server=server).open(code), people(server=server).open(code)
        a.page.evaluate("localStorage.setItem('codingDuo.alertsOffered', 'yes')")
        api.start(code)
        a.page.wait_for_selector('#display[data-status="RUNNING"]', timeout=1500)
        server.stop()
        a.page.wait_for_selector('#connection:not([data-state="live"])', timeout=3000)

        a.page.click("#toggle")  # Pause, but nobody is there
        feedback = ".timer .feedback"
        a.page.wait_for_selector(f'{feedback}[data-kind="error"]', timeout=3000)
        assert "Pause was not sent" in a.text(feedback)
        assert a.page.is_visible(f"{feedback} button.retry")

        restarted = ServerProcess(server.database_url, env, port=server.port).start()
        for person in (a, b):
            person.wait_live(10)
        # Back online: the red error is gone at once, the offer to send it again stays.
        a.page.wait_for_selector(f'{feedback}[data-kind="offer"]', timeout=1000)
        assert "not sent" in a.text(feedback)
        assert a.page.get_attribute("#display", "data-status") == "RUNNING"  # nothing was paused

        a.page.click(f"{feedback} button.retry")
        for person in (a, b):
            person.page.wait_for_selector('#display[data-status="PAUSED"]', timeout=1500)
        a.page.wait_for_selector(f'{feedback}[data-kind="ok"]', timeout=1500)
        assert a.text(feedback) == "Pause sent."
        assert api.room(code)["remainingTime"] > 0
    finally:
        if restarted:
            restarted.stop()
        server.stop()


def test_a_failed_todo_add_is_said_under_the_todos(people, database_url_for):
    env = {"HEARTBEAT_SECONDS": "2", "STREAM_RETRY_MS": "500"}
    server = ServerProcess(database_url_for("browser-offline-todo"), env).start()
    restarted = None
    try:
        code = Api(server.url).create_room(600_000)
        a = people(server=server).open(code)
        server.stop()
        a.page.fill("#todo-input", "Write it down")
        a.page.press("#todo-input", "Enter")
        feedback = "#todo-form + .feedback"
        a.page.wait_for_selector(f'{feedback}[data-kind="error"]', timeout=3000)
        assert "“Write it down” was not sent" in a.text(feedback)
        assert a.page.is_hidden(".timer .feedback")
        restarted = ServerProcess(server.database_url, env, port=server.port).start()
        a.wait_live(10)
        a.page.click(f"{feedback} button.retry")
        a.page.wait_for_selector("#todos .todo", timeout=1500)
        assert a.text("#todos .todo .todo-text") == "Write it down"
    finally:
        if restarted:
            restarted.stop()
        server.stop()
