"""The room's database model: what must survive a restart and be shared between
processes. Its timer (``timer.models``) and lists (``tools.models``) hang off it."""
from __future__ import annotations

from datetime import datetime, timezone
from enum import Enum
from typing import TYPE_CHECKING

from sqlalchemy import JSON, BigInteger, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db

if TYPE_CHECKING:  # the timer's record refers back to its room
    from ..timer.models import TimerRecord


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class RoomStatus(str, Enum):
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"


NAME_MAX = 50
GOAL_MAX = 200
URL_MAX = 2048


class PairRoom(db.Model):
    __tablename__ = "pair_room"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    access_code: Mapped[str] = mapped_column(String(16), unique=True, index=True)
    driver: Mapped[str] = mapped_column(String(NAME_MAX))
    navigator: Mapped[str] = mapped_column(String(NAME_MAX))
    mission_url: Mapped[str] = mapped_column(String(URL_MAX), default="")
    # The roster in the order of turns, the driver first (``mob.roster``); driver and
    # navigator above are its first two present members, kept for coduo and the pair
    # API. NULL in rooms from before it: [driver, navigator] (``rooms.service.roster_of``).
    members: Mapped[list | None] = mapped_column(JSON, nullable=True)
    last_member_id: Mapped[int] = mapped_column(Integer, default=2)  # ids are never reused
    goal: Mapped[str] = mapped_column(String(GOAL_MAX), default="")  # one line, or ""
    # Breaks (``mob.breaks``): one of break_ms after every break_every turns (0: off).
    break_every: Mapped[int] = mapped_column(Integer, default=0)
    break_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    turns_since_break: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default=RoomStatus.IN_PROGRESS.value)
    turns_completed: Mapped[int] = mapped_column(Integer, default=0)
    paired_ms: Mapped[int] = mapped_column(BigInteger, default=0)  # time the timer ran
    # Bumped by every change to the room (timer, roles, lists), under the room's row
    # lock: processes apply the changes they hear about in this order, stale ones never.
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    # When the server last decided a time-up (epoch ms), written in that transition:
    # swaps asked for just after it are that time-up's (coduo's screens each ask one).
    last_time_up_at_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # The last change to the room (any command, list edit or time-up): retention's clock.
    touched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                        index=True)

    timer: Mapped["TimerRecord"] = relationship(
        back_populates="room", uselist=False, cascade="all, delete-orphan", lazy="joined",
        innerjoin=True,  # every room has a timer; an inner join can be locked FOR UPDATE
    )

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def completed(self) -> bool:
        return self.status == RoomStatus.COMPLETED.value
