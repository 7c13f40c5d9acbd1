"""One lock per room: every state transition of a room, and every broadcast
that reports one, happens under it, so events reach browsers in the order the
transitions happened and concurrent commands cannot both win."""
from __future__ import annotations

import threading


class RoomLocks:
    def __init__(self):
        self._guard = threading.Lock()
        self._locks: dict[str, threading.RLock] = {}

    def __call__(self, key: str) -> threading.RLock:
        with self._guard:
            lock = self._locks.get(key)
            if lock is None:
                lock = self._locks[key] = threading.RLock()
            return lock

    def forget(self, key: str) -> None:
        with self._guard:
            self._locks.pop(key, None)
