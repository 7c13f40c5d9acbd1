"""The Redis bus's outbox: the changes a process decided that Redis has not taken
yet (an outage, a failover's write pause), bounded by bytes."""
from __future__ import annotations

import logging
from collections import deque

log = logging.getLogger(__name__)

OUTBOX_BYTES = 16 * 1024 * 1024  # BUS_OUTBOX_BYTES: beyond, the oldest batches go


class Outbox:
    """Messages waiting to be published, bounded by their size in bytes: beyond the
    bound the oldest go (the newest always stays). A dropped batch is not lost for the
    screens: every process compares the room versions it delivered with the database
    every VERSION_CHECK_SECONDS (rooms with streams or a running timer there; any
    other room is read from the database by the next command) and resyncs the rooms
    behind. Drops are counted and logged once per outage."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.items: deque[tuple[str, int]] = deque()
        self.bytes = 0
        self.dropped_batches = self.dropped_bytes = 0  # since start (metrics)
        self._outage_batches = self._outage_bytes = 0  # since the last report

    def __bool__(self) -> bool:
        return bool(self.items)

    def append(self, message: str) -> None:
        size = len(message.encode())
        self.items.append((message, size))
        self.bytes += size
        while self.bytes > self.max_bytes and len(self.items) > 1:
            _, dropped = self.items.popleft()
            self.bytes -= dropped
            self.dropped_batches += 1
            self.dropped_bytes += dropped
            if not self._outage_batches:
                log.error("Redis bus outbox full (BUS_OUTBOX_BYTES=%d): dropping the oldest "
                          "unsent changes; the other processes resync those rooms from the "
                          "database within VERSION_CHECK_SECONDS", self.max_bytes)
            self._outage_batches += 1
            self._outage_bytes += dropped

    def first(self) -> str:
        return self.items[0][0]

    def sent(self, message: str) -> None:
        if self.items and self.items[0][0] is message:
            self.bytes -= self.items.popleft()[1]

    def report(self) -> None:
        """Publishing works again: say what this outage dropped, once."""
        if self._outage_batches:
            log.warning("Redis bus outbox: %d unsent change(s) (%d bytes) were dropped during "
                        "the outage; their rooms resync from the database",
                        self._outage_batches, self._outage_bytes)
            self._outage_batches = self._outage_bytes = 0
