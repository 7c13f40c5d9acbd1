"""The timer's database record: its true state, shared by every process."""
from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..rooms.models import PairRoom
from .domain import TURN, Timer, TimerStatus


class TimerRecord(db.Model):
    """The timer's true state. Written on transitions only (start, pause,
    update, time-up), never per tick."""

    __tablename__ = "timer"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("pair_room.id", ondelete="CASCADE"), unique=True)
    duration_ms: Mapped[int] = mapped_column(BigInteger)
    remaining_ms: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default=TimerStatus.IDLE.value, index=True)
    ends_at_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    kind: Mapped[str] = mapped_column(String(8), default=TURN)  # turn | break
    turn_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # during a break

    room: Mapped[PairRoom] = relationship(back_populates="timer")

    def to_domain(self) -> Timer:
        return Timer(self.duration_ms, self.remaining_ms, TimerStatus(self.status), self.ends_at_ms,
                     self.id, self.kind or TURN, self.turn_ms)

    def apply(self, timer: Timer) -> None:
        self.duration_ms = timer.duration_ms
        self.remaining_ms = timer.remaining_ms
        self.status = timer.status.value
        self.ends_at_ms = timer.ends_at_ms
        self.kind = timer.kind
        self.turn_ms = timer.turn_ms
