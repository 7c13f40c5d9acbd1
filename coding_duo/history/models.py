"""A room's turn history in the database: one row per turn or break, written in the
same transaction as the change it records (``history.record``), so every process
and every restart sees each turn once, as the server decided it."""
from __future__ import annotations

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..rooms.models import NAME_MAX

# How a turn (or a break) ended.
TIME_UP = "time-up"      # its timer ran out (ended at the deadline, whenever it was noticed)
SKIPPED = "skipped"      # the driver or navigator changed by hand (swap, skip, make driver, away...)
RESTARTED = "restarted"  # a new turn (or break) was started over it (`mob start`)
BREAK = "break"          # a break was started by hand: the turn was given up
RESET = "reset"          # its timer was set back to a full, idle turn (a new length while paused)
COMPLETED = "completed"  # the room was completed
DELETED = "deleted"      # the room was deleted
ENDINGS = (TIME_UP, SKIPPED, RESTARTED, BREAK, RESET, COMPLETED, DELETED)


class Turn(db.Model):
    """A turn or a break: who drove and navigated (and the whole order of turns),
    planned length, when it started and ended (server time, epoch ms), the time it
    was paused, and how it ended. The open one (``ended_at_ms`` NULL) is always the
    room's last: its timer runs or is paused.

    While open: ``paused_ms`` holds the pauses that ended, ``paused_at_ms`` when the
    current one began (NULL while running), and ``planned_ms`` is the time run so far
    plus the timer's remaining time (what it runs if nobody stops it)."""

    __tablename__ = "turn"
    __table_args__ = (Index("ix_turn_room_id_id", "room_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("pair_room.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, ... among the room's turns (breaks: breaks)
    kind: Mapped[str] = mapped_column(String(8))  # turn | break
    driver_id: Mapped[int] = mapped_column(Integer)
    navigator_id: Mapped[int] = mapped_column(Integer)
    driver: Mapped[str] = mapped_column(String(NAME_MAX))
    navigator: Mapped[str] = mapped_column(String(NAME_MAX))
    roster: Mapped[list] = mapped_column(JSON)  # the members in the order of turns, as it began
    planned_ms: Mapped[int] = mapped_column(BigInteger)
    started_at_ms: Mapped[int] = mapped_column(BigInteger)
    ended_at_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    paused_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    paused_at_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    ended: Mapped[str | None] = mapped_column(String(16), nullable=True)  # one of ENDINGS
