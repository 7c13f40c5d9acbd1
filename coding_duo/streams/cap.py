"""The stream cap: how many event streams may be open at once, in all and per client;
and how many new streams may build their snapshots at once."""
from __future__ import annotations

import threading


class StreamCap:
    """At most ``limit`` open streams, so waitress always has threads for the API,
    and at most ``per_client`` from one address. A slot is taken in the view and
    released by ``Response.call_on_close``."""

    def __init__(self, limit: int, per_client: int):
        self.limit = limit
        self.per_client = per_client
        self._lock = threading.Lock()
        self.open = 0
        self._by_client: dict[str, int] = {}

    def acquire(self, client: str) -> str | None:
        """None if a slot was taken, else why not: "server" or "client"."""
        with self._lock:
            if self.open >= self.limit:
                return "server"
            if self._by_client.get(client, 0) >= self.per_client:
                return "client"
            self.open += 1
            self._by_client[client] = self._by_client.get(client, 0) + 1
            return None

    def release(self, client: str) -> None:
        with self._lock:
            self.open -= 1
            left = self._by_client.get(client, 1) - 1
            if left > 0:
                self._by_client[client] = left
            else:
                self._by_client.pop(client, None)


class SnapshotSlots:
    """At most ``limit`` new streams' snapshots built at once. A snapshot is Python work
    (a room's lists and history as JSON) between database reads; a few dozen screens
    rejoining together (a process died and its browsers came here) each building theirs
    held the GIL from the thread that was deciding a time-up, whose every query then
    waited its turn to run again. tests/streams/test_rejoin_crowd.py (30 joining rooms of
    214 todos at a deadline, 3 trials a round): the "0" 163-731 ms late with no bound,
    46-144 ms three at a time, and the 30 joined as fast or faster (0.56-0.99 s)."""

    def __init__(self, limit: int, wait_seconds: float = 10.0):
        self._slots = threading.BoundedSemaphore(max(1, limit))
        self.wait_seconds = wait_seconds

    def acquire(self) -> bool:
        """False when no slot came free within ``wait_seconds`` (the database stalled)."""
        return self._slots.acquire(timeout=self.wait_seconds)

    def release(self) -> None:
        self._slots.release()
