"""Locks per room. The ``SchedulerService`` has two sets: decision locks (every
state transition of a room is decided under its lock, with the database's row
lock, so concurrent commands in one process take turns) and delivery locks (the
room's memory and every broadcast that reports a change, so events reach browsers
in the order the changes happened; never held across the database).

The locks are a fixed set of stripes (a room's key picks its stripe), so memory
does not grow with the rooms ever seen and no lock is ever dropped while a
thread may still be waiting on it. Two rooms that share a stripe only take
turns; no code holds two rooms' locks at once, so sharing cannot deadlock.

A decision lock's holder works with the database, so a thread must not wait for
one while it holds a pooled connection: with the pool taken by requests queued
on the lock, the holder (a scheduler job, or a command whose change commits and
reads again) would wait for a connection none of them gives back, and every API
thread of the process stalled for the pool's 30 s timeout, then answered 500
(reproduced: 16 toggles queued on a room while a version check resynced it).
``before_wait`` is called when the lock is taken by another thread, before
waiting; the app's lets go of the session's connection (rooms/sessions.py)."""
from __future__ import annotations

import threading
import zlib


class RoomLock:
    """A stripe's ``RLock``, which calls ``before_wait`` before it waits for another
    thread to let go (not when the caller already holds it, or it is free)."""

    __slots__ = ("_lock", "_before_wait")

    def __init__(self, before_wait=None):
        self._lock = threading.RLock()
        self._before_wait = before_wait

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        if self._lock.acquire(blocking=False):
            return True
        if not blocking:
            return False
        if self._before_wait is not None:
            self._before_wait()
        return self._lock.acquire(timeout=timeout)

    def release(self) -> None:
        self._lock.release()

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


STRIPES = 4096


class RoomLocks:
    def __init__(self, stripes: int = STRIPES, before_wait=None):
        # Without ``before_wait`` (the delivery locks, taken for every tick), plain RLocks.
        self._locks = [RoomLock(before_wait) if before_wait else threading.RLock()
                       for _ in range(stripes)]

    def __call__(self, key: str):
        return self._locks[zlib.crc32(key.encode()) % len(self._locks)]

    def __len__(self) -> int:
        return len(self._locks)
