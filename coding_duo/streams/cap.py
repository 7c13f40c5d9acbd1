"""The stream cap: how many event streams may be open at once, in all and per client."""
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
