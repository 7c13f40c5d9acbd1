"""Changing a room's roster and goal: each change is a transition of the room
(``SchedulerService.change``: row lock, version, every process), like a swap.
Roles that change send ``pair``; every change sends the full ``room`` state."""
from __future__ import annotations

from ..context import duo
from ..history.models import RESTARTED
from ..rooms.models import PairRoom
from ..timer.domain import TimerStatus
from ..rooms.service import ensure_writable, pair_json, roster_of, set_roster
from ..web.errors import N_, ApiError, Conflict
from . import breaks, roster
from .roster import RosterError


def _new_id(room: PairRoom, members: list[dict]) -> int:
    """An id no member of the room ever had (a stale screen's click on a removed
    member must not reach a new one)."""
    return max([room.last_member_id or 0] + [m["id"] for m in members]) + 1


def change_roster(room: PairRoom, edit) -> list[dict]:
    """``edit(members, new_id) -> members`` under the room's lock, from the fresh
    roster (``new_id``: an id no member of the room ever had); a refusal is a 4xx and
    changes nothing. Returns the roster after it."""
    after = []

    def decide(change, timer, now):
        ensure_writable(change.room)
        before = roster_of(change.room)
        try:
            members = edit(before, _new_id(change.room, before))
        except RosterError as error:
            raise ApiError(error.status, error.template, **error.params) from None
        after[:] = members
        if members == before:
            return  # nothing changed: no event
        if set_roster(change.room, members):
            change.emit("pair", pair_json(change.room))
        else:
            change.mark()
    duo().timers.change(room.access_code, decide)
    return after


def add_member(room: PairRoom, name: str, position: int | None) -> dict:
    members = change_roster(room, lambda m, new_id: roster.add(m, name, position, new_id))
    return members[roster.find_name(members, name)]


def update_member(room: PairRoom, member_id: int, name: str | None, away: bool | None,
                  position: int | None) -> None:
    def edit(members, _id):
        roster.find(members, member_id)  # 404 for an unknown member, whatever is asked
        if name is not None:
            members = roster.rename(members, member_id, name)
        if away is not None:
            members = roster.set_away(members, member_id, away)
        if position is not None:
            members = roster.move(members, member_id, position)
        return members
    change_roster(room, edit)


def remove_member(room: PairRoom, member_id: int) -> None:
    change_roster(room, lambda m, _: roster.remove(m, member_id))


def rotate(room: PairRoom, driver_id: int | None = None) -> None:
    """Skip to the next present member, or make ``driver_id`` the driver (always a
    change asked for now: no time-up absorbs it)."""
    if driver_id is None:
        change_roster(room, lambda m, _: roster.rotate(m))
    else:
        change_roster(room, lambda m, _: roster.make_driver(m, driver_id))


def set_goal(room: PairRoom, goal: str) -> None:
    """The room's goal (one line; "" clears it): the ``room`` event carries it."""
    def decide(change, timer, now):
        ensure_writable(change.room)
        if (change.room.goal or "") != goal:
            change.room.goal = goal
            change.mark()
    duo().timers.change(room.access_code, decide)


def start_turn(room: PairRoom, user: str, duration_ms: int) -> tuple[str, str]:
    """``mob start N``: ``user`` drives (added at the driver's place if the roster does
    not know them, back if away) and a turn of ``duration_ms`` starts now (the new turn
    length; a running turn restarts from it). One transition. Returns the roles."""
    roles = []

    def decide(change, timer, now):
        ensure_writable(change.room)
        before = members = roster_of(change.room)
        try:
            found = roster.find_name(members, user)
            if found is None:
                members = roster.add(members, user, 0, _new_id(change.room, members))
            else:
                member_id = members[found]["id"]
                members = roster.make_driver(roster.set_away(members, member_id, False), member_id)
        except RosterError as error:
            raise ApiError(error.status, error.template, **error.params) from None
        if set_roster(change.room, members):
            change.emit("pair", pair_json(change.room))
        elif members != before:
            change.mark()
        roles[:] = [change.room.driver, change.room.navigator]
        if timer.status is not TimerStatus.IDLE:
            change.end_turn(RESTARTED)  # a new turn now, over the one under way
        change.room.paired_ms += timer.paired_elapsed(now)  # the run restarts from here
        if timer.on_break:
            timer.end_break()  # a turn now, not the break that was due or running
        if timer.duration_ms != duration_ms or timer.remaining(now) != duration_ms:
            timer.update(duration_ms, duration_ms, now)
            change.emit("timer", "update")
            change.emit("remaining-time", str(timer.reported(now)))
        if timer.start(now):
            change.room.last_time_up_at_ms = None  # the next turn has begun
            change.emit("timer", "start")
    duo().timers.change(room.access_code, decide)
    return roles[0], roles[1]


def start_break(room: PairRoom, duration_ms: int | None = None) -> int:
    """A break starts now (by hand, or ``mob break N``): of ``duration_ms``, else the
    room's break length. A turn under way is given up (its time so far counts as
    paired); no rotation, and the turns until the next break count afresh. Returns the
    break's length."""
    length = []

    def decide(change, timer, now):
        ensure_writable(change.room)
        if timer.on_break and timer.status is not TimerStatus.IDLE:
            change.end_turn(RESTARTED)  # a new break over the one under way
        change.room.paired_ms += timer.paired_elapsed(now)
        length[:] = [duration_ms or change.room.break_ms or breaks.DEFAULT_BREAK_MS]
        timer.begin_break(length[0], now, run=True)
        change.room.last_time_up_at_ms = None  # a start: swaps are people's again
        change.room.turns_since_break = 0
        change.emit("timer", "update")
        change.emit("remaining-time", str(timer.reported(now)))
        change.emit("timer", "start")
    duo().timers.change(room.access_code, decide)
    return length[0]


def skip_break(room: PairRoom) -> None:
    """The break (due, or under way) is skipped: a full turn waits for its start. 409
    when the timer is not on a break."""
    def decide(change, timer, now):
        ensure_writable(change.room)
        if not timer.on_break:
            raise Conflict(N_("The room is not on a break"))
        timer.end_break()
        change.emit("timer", "update")
        change.emit("remaining-time", str(timer.reported(now)))
    duo().timers.change(room.access_code, decide)


def set_breaks(room: PairRoom, every: int, duration_ms: int | None) -> None:
    """A break of ``duration_ms`` (None: the length set before) after every ``every``
    turns (0: no breaks)."""
    def decide(change, timer, now):
        ensure_writable(change.room)
        nonlocal duration_ms
        duration_ms = duration_ms or change.room.break_ms or 0
        if (change.room.break_every, change.room.break_ms) != (every, duration_ms):
            change.room.break_every, change.room.break_ms = every, duration_ms
            change.mark()
    duo().timers.change(room.access_code, decide)
