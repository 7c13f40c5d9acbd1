"""The checker of bench/chaos.py: invariants over every event every screen
received (with arrival times), the commands' answers and the database at the end.

- Convergence: after each fault heals (and the workload pauses), every screen of
  a room shows the database's state (timer status, roles, lists) within the bound.
- Time-up once: on one connection, a turn ends at most once (a turn is named by
  the ``turnsCompleted`` its time-up's ``room`` event carries); the turns the
  screens saw end are turns the database recorded. Outside fault windows, every
  screen that saw a turn end showed the same deadline for it (``stale-deadline``).
- Ticks: within a turn a screen's values never rise unless something else came
  in between (a command's events or a resync), and each arrives within
  ``late_ms`` of its whole second (``fault_late_ms`` in or just after a fault).
- No acknowledged write lost: every todo a 2xx answered for is in the database,
  in the order (and with the done flags) the acknowledged commands left
  (bench/chaos_work.py ``TodoModel``, checked at each quiet point).
- No 5xx but the documented 503s; no command left without an answer by a live
  process outside a fault window.
- Convergence compares, per screen: roles, timer status, duration, deadline
  (endsAt) or remaining time (a running timer's last tick within 1.1 s of the
  deadline), the lists (ids, order, done flags) and the presence count (the
  room's connected screens).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field


@dataclass
class Violation:
    kind: str
    room: str
    screen: str
    detail: str

    def line(self) -> str:
        return f"{self.kind:<12} room {self.room} screen {self.screen}: {self.detail}"


@dataclass
class Report:
    violations: list[Violation] = field(default_factory=list)
    events_checked: int = 0
    ticks_checked: int = 0
    time_ups_seen: int = 0
    worst_late_ms: float = 0.0
    worst_late_outside_ms: float = 0.0
    late_outside: list = field(default_factory=list)  # ms, every tick outside fault windows
    late_zero_outside: list = field(default_factory=list)  # ms, a time-up's "0" among them
    deadlines: dict = field(default_factory=dict)  # (room, turn) -> [(endsAt shown, at, screen)]

    def add(self, kind, room, screen, detail) -> None:
        self.violations.append(Violation(kind, room, screen, detail))


def in_windows(t: float, windows) -> bool:
    return fault_at(t, windows) is not None


def fault_at(t: float, windows):
    """The fault whose window ``t`` lies in (windows: (start, end, kind)), or None."""
    return next((kind for start, end, kind in windows if start <= t <= end), None)


def check_segment(report: Report, room: str, screen: str, events, windows,
                  late_ms: float, fault_late_ms: float) -> set:
    """One connection's events; returns the turns it saw end (see ``_turn_of``)."""
    ends_at = None  # the deadline of the running turn, from the last room event
    last_tick = None
    ended: set = set()
    for index, e in enumerate(events):
        report.events_checked += 1
        if e.event == "room":
            timer = json.loads(e.data)["timer"]
            ends_at = timer["endsAt"] if timer["status"] == "RUNNING" else None
            last_tick = None
        elif e.event == "timer" and e.data == "stop":
            turn = _turn_of(events, index, ends_at)
            if turn in ended:
                around = [(x.event, x.data[:40]) for x in events[max(0, index - 4):index + 2]]
                report.add("time-up-twice", room, screen, f"turn {turn} ended twice: {around}")
            ended.add(turn)
            report.deadlines.setdefault((room, turn), []).append((ends_at, e.at, screen))
            report.time_ups_seen += 1
            ends_at, last_tick = None, None
        elif e.event == "remaining-time":
            if ends_at is None or (index + 1 < len(events) and events[index + 1].event == "room"):
                last_tick = None  # a command's or a resync's exact value (a room event follows)
                continue
            value = int(e.data)
            report.ticks_checked += 1
            if last_tick is not None and value > last_tick:
                report.add("tick-rose", room, screen,
                           f"{last_tick} then {value} with nothing in between")
            last_tick = value
            late = e.at * 1000 - (ends_at - value)
            outside = not in_windows(e.at, windows)
            bound = late_ms if outside else fault_late_ms
            report.worst_late_ms = max(report.worst_late_ms, late)
            if outside:
                report.worst_late_outside_ms = max(report.worst_late_outside_ms, late)
                report.late_outside.append(late)
                if value == 0:
                    report.late_zero_outside.append(late)
            if late > bound or late < -50:
                fault = fault_at(e.at, windows)
                report.add("tick-late", room, screen,
                           f"{value} arrived {late:.0f} ms from its whole second (bound {bound}) "
                           f"at {e.at:.2f}{f' in {fault}' if fault else ''}")
        else:
            last_tick = None
    return ended


def _turn_of(events, index, ends_at):
    """Which turn a time-up ended: the ``turnsCompleted`` of the ``room`` event the
    time-up's batch ends with (one number per time-up the database recorded);
    ("endsAt", deadline) when the stream ended before it."""
    for e in events[index + 1:index + 5]:
        if e.event == "room":
            return json.loads(e.data)["turnsCompleted"]
    return ("endsAt", ends_at)


def check_run(report: Report, screens, rooms_db: dict, answers,
              windows, late_ms: float, fault_late_ms: float) -> None:
    """``screens``: [(room, name, [segment events])]; ``rooms_db``: room -> the
    database's state at the end (with ``turnsCompleted``); ``answers``:
    [(sent, answered or gave up, what, status)], wall-clock times."""
    seen_ends: dict[str, set] = {}
    for room, name, segments in screens:
        for events in segments:
            seen_ends.setdefault(room, set()).update(
                check_segment(report, room, name, events, windows, late_ms, fault_late_ms))
    for room, state in rooms_db.items():
        turns = {t for t in seen_ends.get(room, ()) if isinstance(t, int)}
        if len(turns) > state["turnsCompleted"] or max(turns, default=0) > state["turnsCompleted"]:
            seen = sorted((t, round(at, 2), name) for (r, t), shown_at in report.deadlines.items()
                          if r == room and isinstance(t, int) for _, at, name in shown_at)
            report.add("turns", room, "-", f"screens saw turns {sorted(turns)} end, "
                       f"the database recorded {state['turnsCompleted']}: {seen}")
    for (room, turn), shown_deadlines in report.deadlines.items():
        distinct = {d for d, _, _ in shown_deadlines if d is not None}
        outside = [(d, s) for d, at, s in shown_deadlines if not in_windows(at, windows)]
        if len(distinct) > 1 and outside:
            report.add("stale-deadline", room, "-", f"turn {turn} ended on screens showing "
                       f"different deadlines {sorted(distinct)} outside a fault window: "
                       f"{sorted(outside, key=str)}")
    for sent, done, what, status in answers:
        if status is not None and status >= 500 and status != 503:
            fault = fault_at(sent, windows)
            report.add("5xx", "-", "-", f"{what} answered {status} at {sent:.2f}"
                       f"{f' in {fault}' if fault else ''}")
        if status is None and not any(start <= done and sent <= end for start, end, _ in windows):
            report.add("no-answer", "-", "-", f"{what} sent at {sent:.2f} got no answer "
                       f"in {done - sent:.1f} s, outside every fault window")
