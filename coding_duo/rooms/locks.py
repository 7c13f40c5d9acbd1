"""Locks per room. The ``SchedulerService`` has two sets: decision locks (every
state transition of a room is decided under its lock, with the database's row
lock, so concurrent commands in one process take turns) and delivery locks (the
room's memory and every broadcast that reports a change, so events reach browsers
in the order the changes happened; never held across the database).

The locks are a fixed set of stripes (a room's key picks its stripe), so memory
does not grow with the rooms ever seen and no lock is ever dropped while a
thread may still be waiting on it. Two rooms that share a stripe only take
turns; no code holds two rooms' locks at once, so sharing cannot deadlock."""
from __future__ import annotations

import threading
import zlib

STRIPES = 4096


class RoomLocks:
    def __init__(self, stripes: int = STRIPES):
        self._locks = [threading.RLock() for _ in range(stripes)]

    def __call__(self, key: str) -> threading.RLock:
        return self._locks[zlib.crc32(key.encode()) % len(self._locks)]

    def __len__(self) -> int:
        return len(self._locks)
