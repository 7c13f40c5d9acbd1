"""How a change to a room moves its turn history, as pure functions (no Flask, no
database): given the room's open turn (or none), the room before and after the
change and the change's own word (a time-up says so), does the open turn go on,
end (and how), and does a new one begin?

The rules:
- A turn (or break) begins when the timer starts running and none is open.
- It goes on through pauses, resumes and new lengths (its planned length is then
  the time run so far plus the new remaining time).
- It ends when its timer runs out (at the deadline, however late that is noticed:
  a server that was down records it once, on its true deadline), when the roles
  change by hand (then the next one begins at once, for the new roles, if the timer
  runs or is paused), when a break or a new turn is started over it, when its timer
  is set back to a full idle turn, and when the room is completed or deleted.
- A turn that never ran (it began paused, after a swap, and ended so) is dropped.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..timer.domain import BREAK as BREAK_KIND, Timer, TimerStatus
from .models import BREAK, COMPLETED, DELETED, RESET, SKIPPED, TIME_UP


@dataclass(frozen=True)
class Situation:
    """What of a room decides its history: the timer, the roles, the roster."""
    timer: Timer  # a copy, as it was then
    driver_id: int
    navigator_id: int
    driver: str
    navigator: str
    members: tuple
    completed: bool
    deleted: bool

    @property
    def kind(self) -> str:
        return self.timer.kind

    @property
    def active(self) -> bool:
        """The timer runs or is paused part way: a turn (or break) is under way."""
        return self.timer.status is not TimerStatus.IDLE

    @property
    def running(self) -> bool:
        return self.timer.running

    def remaining(self, now: int) -> int:
        return self.timer.remaining(now)


def situation(timer: Timer, members: list[dict], completed: bool, deleted: bool) -> Situation:
    """``members``: the roster in the order of turns, a present driver first."""
    driver = members[0]
    navigator = next((m for m in members[1:] if not m.get("away")), members[-1])
    return Situation(timer.copy(), driver["id"], navigator["id"], driver["name"], navigator["name"],
                     tuple((m["id"], m["name"], bool(m.get("away"))) for m in members),
                     completed, deleted)


def active_ms(turn, now: int) -> int:
    """The time the turn ran: to its end, to the current pause, or to ``now``."""
    if turn.ended_at_ms is not None:
        end = turn.ended_at_ms
    elif turn.paused_at_ms is not None:
        end = turn.paused_at_ms
    else:
        end = now
    return max(0, end - turn.started_at_ms - turn.paused_ms)


def paused_ms(turn, now: int) -> int:
    """The time the turn was paused, the current pause counted to ``now``."""
    if turn.ended_at_ms is None and turn.paused_at_ms is not None:
        return turn.paused_ms + max(0, now - turn.paused_at_ms)
    return turn.paused_ms


def ending(turn, before: Situation, after: Situation, word: str | None) -> str | None:
    """How the open ``turn`` ends with this change, or None if it goes on."""
    if word is not None:
        return word  # time-up, restarted: the change said so
    if after.deleted:
        return DELETED
    if after.completed and not before.completed:
        return COMPLETED
    if after.kind != turn.kind:
        return BREAK if after.kind == BREAK_KIND else SKIPPED  # a break skipped
    if not after.active:
        return RESET
    if turn.kind != BREAK_KIND and (after.driver_id, after.navigator_id) != (
            turn.driver_id, turn.navigator_id):
        return SKIPPED
    return None


def go_on(turn, after: Situation, now: int) -> None:
    """The same turn goes on after this change: a pause begins or ends, the planned
    length follows a new remaining time, a renamed member's new name."""
    ran = active_ms(turn, now)
    if turn.paused_at_ms is not None and after.running:
        turn.paused_ms += max(0, now - turn.paused_at_ms)
        turn.paused_at_ms = None
    elif turn.paused_at_ms is None and not after.running:
        turn.paused_at_ms = now
    turn.planned_ms = ran + after.remaining(now)
    if turn.kind != BREAK_KIND:
        turn.driver, turn.navigator = after.driver, after.navigator


def end(turn, how: str, at: int) -> None:
    """The turn ends at ``at`` (a time-up: its deadline), ``how`` it did."""
    if turn.paused_at_ms is not None:
        turn.paused_ms += max(0, at - turn.paused_at_ms)
        turn.paused_at_ms = None
    turn.ended_at_ms = at
    turn.ended = how


def never_ran(turn) -> bool:
    return turn.ended != TIME_UP and active_ms(turn, turn.ended_at_ms or 0) == 0


def begins(open_turn_ended: str | None, after: Situation) -> bool:
    """Does a turn (or break) begin with this change? When the timer runs with none
    open, and at once after a hand-over of a turn under way (running or paused)."""
    if after.completed or after.deleted:
        return False
    return after.running or (open_turn_ended == SKIPPED and after.active)


@dataclass
class Step:
    """What a change did to the history: the open turn ``ended`` (how; None: it went
    on, or there was none), is to be ``dropped`` (it ended without ever running),
    and whether a new one ``begins``."""
    ended: str | None
    dropped: bool
    begins: bool


def step(turn, before: Situation, after: Situation, now: int,
         word: tuple[str, int | None] | None = None) -> Step:
    """Moves the open ``turn`` (or None) on through a change from ``before`` to
    ``after``; ``word``: (how it ended, when) if the change says so itself."""
    if turn is None:
        return Step(None, False, begins(None, after))
    how = ending(turn, before, after, word[0] if word else None)
    if how is None:
        go_on(turn, after, now)
        return Step(None, False, False)
    end(turn, how, _end_of(turn, before, now, word))
    return Step(how, never_ran(turn), begins(how, after))


def _end_of(turn, before: Situation, now: int, word) -> int:
    """When the turn ended: a time-up on its deadline; anything else now, but never
    past the deadline of a timer that was still running (a swap that came after the
    deadline, before the time-up was decided: the turn had run out by then). Never
    before it began (a turn begun by that swap, past the deadline, ran nothing)."""
    if word and word[1] is not None:
        return max(word[1], turn.started_at_ms)
    if before.running:
        return min(now, max(before.timer.ends_at_ms, turn.started_at_ms))
    return now


def new_turn_fields(after: Situation, now: int) -> dict:
    """The columns of the turn (or break) that begins now."""
    return {"kind": after.kind, "driver_id": after.driver_id, "navigator_id": after.navigator_id,
            "driver": after.driver, "navigator": after.navigator,
            "roster": [{"id": i, "name": n, "away": a} for i, n, a in after.members],
            "planned_ms": after.remaining(now), "started_at_ms": now, "paused_ms": 0,
            "paused_at_ms": None if after.running else now, "ended_at_ms": None, "ended": None}
