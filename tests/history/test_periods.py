"""The turn history's rules as pure functions (coding_duo/history/periods.py): what
each kind of change does to the open turn, without a server."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from coding_duo.history import periods
from coding_duo.timer.domain import Timer

pytestmark = pytest.mark.once  # see tests/conftest.py

PAIR = [{"id": 1, "name": "Ann", "away": False}, {"id": 2, "name": "Bob", "away": False}]
SWAPPED = [PAIR[1], PAIR[0]]


def at(timer: Timer, members=PAIR, completed=False):
    return periods.situation(timer, members, completed, False)


def begin(after, now):
    return SimpleNamespace(number=1, **periods.new_turn_fields(after, now))


class Room:
    """A timer and a roster, changed as the commands change them, the history
    stepped through each change as the server does (``record``)."""

    def __init__(self, duration=10_000, members=PAIR):
        self.timer = Timer.new(duration)
        self.members = members
        self.completed = False
        self.turns = []

    @property
    def open(self):
        return self.turns[-1] if self.turns and self.turns[-1].ended_at_ms is None else None

    def change(self, now, edit, word=None):
        before = at(self.timer, self.members, self.completed)
        edit(self)
        after = at(self.timer, self.members, self.completed)
        moved = periods.step(self.open, before, after, now, word)
        if moved.dropped:
            self.turns.pop()
        if moved.begins:
            self.turns.append(begin(after, now))
        return moved


def test_pauses_and_a_new_length_while_running_then_time_up_at_the_deadline():
    room = Room(10_000)
    room.change(1_000, lambda r: r.timer.start(1_000))
    turn = room.open
    assert (turn.driver, turn.navigator, turn.planned_ms, turn.started_at_ms) == ("Ann", "Bob", 10_000, 1_000)
    room.change(3_000, lambda r: r.timer.pause(3_000))
    assert turn.paused_at_ms == 3_000 and periods.active_ms(turn, 9_999) == 2_000
    room.change(4_500, lambda r: r.timer.start(4_500))
    assert (turn.paused_ms, turn.paused_at_ms, turn.planned_ms) == (1_500, None, 10_000)
    room.change(6_500, lambda r: r.timer.update(15_000, 11_000, 6_500))  # 4 s ran: 15 s in all
    assert turn.planned_ms == 15_000
    deadline = room.timer.ends_at_ms
    assert deadline == 17_500
    # Noticed late (the server was down): recorded on the deadline.
    moved = room.change(30_000, lambda r: r.timer.reset(), word=("time-up", deadline))
    assert moved == periods.Step("time-up", False, False)
    assert (turn.ended_at_ms, turn.ended, periods.active_ms(turn, 0), periods.paused_ms(turn, 0)) == \
        (17_500, "time-up", 15_000, 1_500)


def test_a_swap_mid_turn_hands_over_and_the_next_turn_begins_at_once():
    room = Room(10_000)
    room.change(0, lambda r: r.timer.start(0))
    room.change(4_000, lambda r: setattr(r, "members", SWAPPED))
    first, second = room.turns
    assert (first.ended, first.ended_at_ms, periods.active_ms(first, 0)) == ("skipped", 4_000, 4_000)
    assert (second.driver, second.planned_ms, second.started_at_ms, second.paused_at_ms) == \
        ("Bob", 6_000, 4_000, None)


def test_a_swap_while_paused_begins_a_paused_turn_that_is_dropped_if_it_never_runs():
    room = Room(10_000)
    room.change(0, lambda r: r.timer.start(0))
    room.change(2_000, lambda r: r.timer.pause(2_000))
    room.change(3_000, lambda r: setattr(r, "members", SWAPPED))
    assert [t.ended for t in room.turns] == ["skipped", None]
    assert room.turns[0].paused_ms == 1_000 and room.open.paused_at_ms == 3_000
    moved = room.change(4_000, lambda r: r.timer.update(10_000, 10_000, 4_000))  # a full, idle turn
    assert moved.dropped and [t.ended for t in room.turns] == ["skipped"]


def test_completion_a_break_by_hand_and_a_rename():
    room = Room(10_000, [dict(m) for m in PAIR] + [{"id": 3, "name": "Cy", "away": False}])
    room.change(0, lambda r: r.timer.start(0))
    renamed = [dict(m) for m in room.members]
    renamed[0]["name"] = "Anna"
    assert room.change(1_000, lambda r: setattr(r, "members", renamed)).ended is None
    assert room.open.driver == "Anna" and len(room.turns) == 1
    away = [dict(m) for m in renamed]
    away[2]["away"] = True  # someone waiting steps away: the turn goes on as it was
    assert room.change(1_500, lambda r: setattr(r, "members", away)) == periods.Step(None, False, False)
    room.change(2_000, lambda r: r.timer.begin_break(5_000, 2_000, run=True))
    turn, brk = room.turns
    assert (turn.ended, brk.kind, brk.planned_ms) == ("break", "break", 5_000)
    room.change(3_000, lambda r: r.timer.end_break())  # skipped
    assert brk.ended == "skipped" and room.open is None
    room.change(4_000, lambda r: r.timer.start(4_000))
    room.change(5_000, lambda r: (r.timer.pause(5_000), setattr(r, "completed", True)))
    assert room.turns[-1].ended == "completed" and room.turns[-1].paused_ms == 0
    # Reopened with the timer paused: no turn until it runs again.
    assert room.change(6_000, lambda r: setattr(r, "completed", False)) == periods.Step(None, False, False)


def test_a_swap_after_the_deadline_before_the_time_up_ends_the_turn_on_the_deadline():
    """Found by tests/streams/test_history_scale_out.py: a swap decided 3 ms after the
    deadline, before either process had decided the time-up, recorded the turn as
    running past its deadline and the one it began as ending before it started."""
    room = Room(1_000)
    room.change(0, lambda r: r.timer.start(0))
    room.change(1_003, lambda r: setattr(r, "members", SWAPPED))
    first, second = room.turns
    assert (first.ended, first.ended_at_ms, periods.active_ms(first, 0)) == ("skipped", 1_000, 1_000)
    assert (second.started_at_ms, second.planned_ms) == (1_003, 0)
    moved = room.change(1_010, lambda r: r.timer.reset(), word=("time-up", 1_000))
    assert moved.ended == "time-up" and not moved.dropped  # a time-up counts, even of nothing
    assert (second.ended_at_ms, periods.active_ms(second, 0), periods.paused_ms(second, 0)) == (1_003, 0, 0)
