"""A screen that behaves as coduo's React client does against our API, for tests.

What it does is what the issue describes of coduo's client (its production
commit): on load it reads the room and the timer, then opens the event stream.
Its listeners, exactly:
- ``remaining-time``: the value shown; ``"0"`` (and only that) ends the turn:
  the screen stops, and sends ``PATCH /api/pair-room/{code}/pair-swap`` with
  ``Content-Type: application/json`` and an empty body, then reloads the room;
- ``timer``: ``start`` and ``running`` run, ``pause`` stops, ``update`` reloads
  the timer, ``complete`` routes the screen to its retrospective form;
  ``stop`` means nothing to it;
- ``pair``, ``todos``, ``reference-links``, ``categories`` (and anything else
  it does not know) are ignored.
Events are handled one at a time, in order, on the screen's own thread.
"""
from __future__ import annotations

import threading

from support import Api, stream

EMPTY_JSON = {"Content-Type": "application/json"}


class CoduoScreen:
    def __init__(self, base_url: str, code: str):
        self.base_url = base_url
        self.code = code
        self.api = Api(base_url)
        self.running = False
        self.remaining: int | None = None
        self.duration: int | None = None
        self.driver = self.navigator = None
        self.time_ups = 0
        self.swaps: list[int] = []  # the status of every swap this screen asked for
        self.routed_to: str | None = None  # "retrospect" once the room is completed
        self.handled: list[tuple[str, str]] = []  # (event, data) in the order handled
        self.stream = None
        self._cond = threading.Condition()
        self._done = False

    # ----- loading and the stream ---------------------------------------------------

    def open(self) -> "CoduoScreen":
        self._load_room()
        timer = self.api.timer(self.code)
        self.duration, self.remaining = timer["duration"], timer["remainingTime"]
        self.stream = stream(self.base_url, self.code)
        self._thread = threading.Thread(target=self._listen, daemon=True)
        self._thread.start()
        return self

    def reconnect(self) -> None:
        """What EventSource does when its stream ends: open it again (same page state)."""
        self.stream.close()
        self._thread.join(2)
        self.stream = stream(self.base_url, self.code)
        self._thread = threading.Thread(target=self._listen, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._done = True
        if self.stream is not None:
            self.stream.close()

    def _load_room(self) -> None:
        room = self.api.room(self.code)
        self.driver, self.navigator = room["driver"], room["navigator"]

    def _listen(self) -> None:
        seen = 0
        cond = self.stream._cond
        while not self._done:
            with cond:
                cond.wait_for(lambda: len(self.stream.events) > seen or self.stream.ended, 0.5)
                batch = self.stream.events[seen:]
                ended = self.stream.ended
            for event in batch:
                self._handle(event.event, event.data)
            seen += len(batch)
            if ended and not batch:
                return

    def _handle(self, name: str, data: str) -> None:
        if name == "remaining-time":
            self.remaining = int(data)
            if data == "0":
                self.running = False
                self._time_up()
        elif name == "timer":
            if data in ("start", "running"):
                self.running = True
            elif data == "pause":
                self.running = False
            elif data == "update":
                timer = self.api.timer(self.code)
                self.duration, self.remaining = timer["duration"], timer["remainingTime"]
            elif data == "complete":
                self.running = False
                self.routed_to = "retrospect"
        with self._cond:
            self.handled.append((name, data))
            self._cond.notify_all()

    def _time_up(self) -> None:
        """coduo's turn end: a toast, the alarm, a notification, and a swap request."""
        response = self.api.call("PATCH", f"/api/pair-room/{self.code}/pair-swap",
                                 headers=dict(EMPTY_JSON))
        self._load_room()  # the query is invalidated after the swap
        with self._cond:
            self.time_ups += 1
            self.swaps.append(response.status_code)
            self._cond.notify_all()

    # ----- what a person does on this screen ----------------------------------------

    def start(self):
        return self.api.call("PATCH", f"/api/{self.code}/timer/start", headers=dict(EMPTY_JSON))

    def pause(self):
        return self.api.call("PATCH", f"/api/{self.code}/timer/stop", headers=dict(EMPTY_JSON))

    def complete(self):
        return self.api.call("PATCH", f"/api/pair-room/{self.code}/status", {"status": "COMPLETED"})

    # ----- for the test ------------------------------------------------------------

    def wait(self, predicate, timeout: float = 5):
        with self._cond:
            ok = self._cond.wait_for(lambda: predicate(self), timeout)
        assert ok, (f"timed out: time_ups={self.time_ups} swaps={self.swaps} "
                    f"routed_to={self.routed_to} handled={self.handled[-12:]}")
        return ok
