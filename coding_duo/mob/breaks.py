"""When a break is due, as a pure function (no Flask, no database): a room with
breaks on (``every`` turns, > 0) has one after every ``every``-th turn's time-up."""
from __future__ import annotations

DEFAULT_BREAK_MS = 5 * 60_000  # a break started by hand in a room with no break setting
EVERY_MAX = 100


def after_turn(turns_since_break: int, every: int) -> tuple[int, bool]:
    """A turn just ended: (turns since the last break now, is a break due?). A due
    break counts from zero again."""
    turns = turns_since_break + 1
    if every > 0 and turns >= every:
        return 0, True
    return turns, False


def turns_until_break(turns_since_break: int, every: int) -> int | None:
    """Turns still to go before the next break (None: breaks are off)."""
    return max(1, every - turns_since_break) if every > 0 else None
