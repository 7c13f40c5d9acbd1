"""The turn timer: pure arithmetic on a deadline, with an explicit clock.

No Flask, no database, no threads here. Every method takes ``now_ms`` (epoch
milliseconds) so the rules can be tested without sleeping.

While a timer runs, the truth is its deadline (``ends_at_ms``); the remaining
time is derived from it, never counted down tick by tick, so late ticks cannot
add drift. While paused or idle, the truth is ``remaining_ms``.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from enum import Enum

SECOND_MS = 1000
MIN_DURATION_MS = 1 * SECOND_MS
MAX_DURATION_MS = 24 * 60 * 60 * SECOND_MS


def whole_seconds_up(ms: int) -> int:
    """What screens are told: the remaining time rounded up to a whole second
    (595799 -> 596000), as the ticks are; the server keeps the exact value."""
    return -(-ms // SECOND_MS) * SECOND_MS


def now_ms() -> int:
    """Wall-clock epoch milliseconds: deadlines must mean the same in every process."""
    return time.time_ns() // 1_000_000


TURN = "turn"
BREAK = "break"


class TimerStatus(str, Enum):
    RUNNING = "RUNNING"
    PAUSED = "PAUSED"
    IDLE = "IDLE"


@dataclass
class Timer:
    duration_ms: int
    remaining_ms: int
    status: TimerStatus = TimerStatus.IDLE
    ends_at_ms: int | None = None
    id: int | None = None  # the database row's id, reported by GET /timer
    kind: str = TURN  # or BREAK: a break's time-up starts no rotation
    turn_ms: int | None = None  # during a break: the turn length to come back to

    @classmethod
    def new(cls, duration_ms: int, remaining_ms: int | None = None) -> "Timer":
        remaining = duration_ms if remaining_ms is None else remaining_ms
        timer = cls(duration_ms=duration_ms, remaining_ms=remaining)
        timer.status = cls._resting_status(duration_ms, remaining)
        return timer

    @staticmethod
    def _resting_status(duration_ms: int, remaining_ms: int) -> TimerStatus:
        return TimerStatus.IDLE if remaining_ms == duration_ms else TimerStatus.PAUSED

    @property
    def running(self) -> bool:
        return self.status is TimerStatus.RUNNING

    def remaining(self, now: int) -> int:
        """Exact remaining milliseconds at ``now``; never negative."""
        if self.running:
            return max(0, self.ends_at_ms - now)
        return self.remaining_ms

    def run_elapsed(self, now: int) -> int:
        """Milliseconds this run has counted down so far (0 when not running)."""
        if not self.running:
            return 0
        return self.remaining_ms - self.remaining(now)

    def paired_elapsed(self, now: int) -> int:
        """What this run adds to the room's paired time: a break's run adds nothing."""
        return 0 if self.kind == BREAK else self.run_elapsed(now)

    def start(self, now: int) -> bool:
        """Run from the stored remaining time. False (and no change) if already running."""
        if self.running:
            return False
        if self.remaining_ms <= 0:
            self.remaining_ms = self.duration_ms
        self.ends_at_ms = now + self.remaining_ms
        self.status = TimerStatus.RUNNING
        return True

    def pause(self, now: int) -> bool:
        """Freeze the exact remaining time. False (and no change) if not running."""
        if not self.running:
            return False
        self.remaining_ms = self.remaining(now)
        self.ends_at_ms = None
        self.status = TimerStatus.PAUSED
        return True

    def update(self, duration_ms: int, remaining_ms: int, now: int) -> None:
        """New duration and remaining time; a running timer keeps running from them."""
        self.duration_ms = duration_ms
        self.remaining_ms = remaining_ms
        if self.running:
            self.ends_at_ms = now + remaining_ms
        else:
            self.status = self._resting_status(duration_ms, remaining_ms)

    def reset(self) -> None:
        """Back to a full, idle turn (what time-up leaves behind)."""
        self.status = TimerStatus.IDLE
        self.remaining_ms = self.duration_ms
        self.ends_at_ms = None

    @property
    def on_break(self) -> bool:
        return self.kind == BREAK

    def begin_break(self, break_ms: int, now: int, run: bool) -> None:
        """A break of ``break_ms`` instead of the turn (whose length is kept for after
        it), running now or waiting for a start."""
        if not self.on_break:
            self.turn_ms = self.duration_ms
        self.kind = BREAK
        self.duration_ms = self.remaining_ms = break_ms
        self.status, self.ends_at_ms = TimerStatus.IDLE, None
        if run:
            self.start(now)

    def end_break(self) -> None:
        """Back to a full, idle turn of the length it had before the break."""
        self.duration_ms = self.turn_ms or self.duration_ms
        self.kind, self.turn_ms = TURN, None
        self.reset()

    def is_up(self, now: int) -> bool:
        return self.running and self.remaining(now) <= 0

    def first_tick_at(self, now: int) -> int:
        """Epoch ms of the next instant the remaining time is a whole second.

        The instant ``now`` itself is excluded (the caller has just reported the
        state). Ticks then follow every second up to and including the deadline.
        """
        remaining = self.remaining(now)
        if remaining <= 0:
            return now
        return self.ends_at_ms - ((remaining - 1) // SECOND_MS) * SECOND_MS

    def tick_value(self, now: int) -> int:
        """The whole second (in ms) a tick at ``now`` reports: a late tick still
        reports the second it was meant for, an early one never reports below 0."""
        remaining = self.remaining(now)
        return max(0, (remaining + SECOND_MS // 2) // SECOND_MS * SECOND_MS)

    def reported(self, now: int) -> int:
        """The remaining time as a ``remaining-time`` event tells it: whole seconds,
        rounded up; never 0 while running (only the time-up itself says "0")."""
        value = whole_seconds_up(self.remaining(now))
        return max(value, SECOND_MS) if self.running else value

    def snapshot(self, now: int) -> dict:
        return {
            "status": self.status.value,
            "duration": self.duration_ms,
            "remainingTime": self.remaining(now),
            "endsAt": self.ends_at_ms if self.running else None,
            "serverTime": now,
        }

    def copy(self) -> "Timer":
        return Timer(self.duration_ms, self.remaining_ms, self.status, self.ends_at_ms, self.id,
                     self.kind, self.turn_ms)
