"""Memory bounded by live rooms, not by rooms ever seen: what this process keeps
for a room (its cached timer, the versions and ticks it delivered, when its last
stream left) is let go once the room has had no stream, no running timer and no
use here for ``ROOM_MEMORY_IDLE_SECONDS``. The next use reads it back from the
database, as after a restart."""
from __future__ import annotations

import ctypes
import ctypes.util
import logging
import time

log = logging.getLogger(__name__)


def _malloc_trim():
    """glibc's ``malloc_trim``: freed memory goes back to the system. Without it,
    memory freed by many threads stays in their malloc arenas (measured: RSS stayed
    52 MB up after 20,000 rooms were let go of)."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to give back this way
        return None


MALLOC_TRIM = _malloc_trim()
TRIM_EVERY_SECONDS = 10.0
_last_trim = [0.0]

EVICT_EVERY_SECONDS = 5.0  # how often the sweep looks for idle rooms


class Memory:
    """Mixed into ``SchedulerService``."""

    def _forget_memory(self, key: str) -> None:
        """Everything this process keeps for the room (called under its lock)."""
        self.timestamps.remove(key)
        self._delivered.pop(key, None)
        self._told.pop(key, None)
        self._ticking.pop(key, None)
        self._hurried.pop(key, None)
        self._last_tick.pop(key, None)
        self.streams.forget(key)

    def evict_idle(self) -> int:
        """Let go of the rooms idle here for the configured time; how many."""
        evicted = 0
        for key in self.timestamps.idle(self.idle_seconds):
            with self.deliveries(key):
                # Checked again under the room's lock: a command or a stream may have
                # come since the list was made, and then the room stays.
                if self.streams.count(key) or self.schedulers.has(key) or key in self._pending \
                        or not self.timestamps.discard_idle(key, self.idle_seconds):
                    continue
                self._forget_memory(key)
                evicted += 1
        if evicted:
            log.debug("let go of %d idle room(s)", evicted)
            if MALLOC_TRIM is not None and time.monotonic() - _last_trim[0] >= TRIM_EVERY_SECONDS:
                _last_trim[0] = time.monotonic()
                MALLOC_TRIM(0)
        return evicted

    def memory_sizes(self) -> dict[str, int]:
        """Per-room entries this process holds, by structure (for /metrics)."""
        return {"timers": len(self.timestamps), "delivered": len(self._delivered),
                "pending": len(self._pending), "told": len(self._told), "ticking": len(self._ticking), "last_tick": len(self._last_tick),
                "emptied": self.streams.emptied_count(), "streams": len(self.streams.keys())}
