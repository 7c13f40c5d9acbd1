"""Database models: what must survive a restart and be shared between processes."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from enum import Enum

from sqlalchemy import BigInteger, ForeignKey, Integer, String, DateTime
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db
from .timer import Timer, TimerStatus


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class RoomStatus(str, Enum):
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"


NAME_MAX = 50
URL_MAX = 2048


class PairRoom(db.Model):
    __tablename__ = "pair_room"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    access_code: Mapped[str] = mapped_column(String(16), unique=True, index=True)
    driver: Mapped[str] = mapped_column(String(NAME_MAX))
    navigator: Mapped[str] = mapped_column(String(NAME_MAX))
    mission_url: Mapped[str] = mapped_column(String(URL_MAX), default="")
    status: Mapped[str] = mapped_column(String(16), default=RoomStatus.IN_PROGRESS.value)
    turns_completed: Mapped[int] = mapped_column(Integer, default=0)
    paired_ms: Mapped[int] = mapped_column(BigInteger, default=0)  # time the timer ran
    # Bumped by every change to the room (timer, roles, lists), under the room's row
    # lock: processes apply the changes they hear about in this order, stale ones never.
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

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

    room: Mapped[PairRoom] = relationship(back_populates="timer")

    def to_domain(self) -> Timer:
        return Timer(self.duration_ms, self.remaining_ms, TimerStatus(self.status), self.ends_at_ms, self.id)

    def apply(self, timer: Timer) -> None:
        self.duration_ms = timer.duration_ms
        self.remaining_ms = timer.remaining_ms
        self.status = timer.status.value
        self.ends_at_ms = timer.ends_at_ms


TODO_MAX = 500
CATEGORY_MAX = 30
TITLE_MAX = 300
DESCRIPTION_MAX = 1000


def public_id() -> str:
    """Ids that appear in paths without the access code: 96 random bits."""
    import secrets
    return secrets.token_urlsafe(12)


PUBLIC_ID_PATTERN = r"^[A-Za-z0-9_-]{1,24}$"  # what public_id() makes (16 characters today)


def is_public_id(text: str) -> bool:
    """Could ``text`` be an id we made? (Checked before any query: a NUL byte or a
    5,000-character "id" never reaches the database.) Bodies check the same pattern."""
    return re.fullmatch(PUBLIC_ID_PATTERN, text) is not None


class Todo(db.Model):
    __tablename__ = "todo"

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=public_id)
    room_id: Mapped[int] = mapped_column(ForeignKey("pair_room.id", ondelete="CASCADE"), index=True)
    content: Mapped[str] = mapped_column(String(TODO_MAX))
    is_checked: Mapped[bool] = mapped_column(db.Boolean, default=False)
    # Sparse sort key: a move writes one row (the midpoint of its new neighbours);
    # the list is renumbered only when two neighbours have no gap left.
    position: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    room: Mapped[PairRoom] = relationship()


class Category(db.Model):
    __tablename__ = "category"
    __table_args__ = (db.UniqueConstraint("room_id", "value", name="uq_category_room_value"),)

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=public_id)
    room_id: Mapped[int] = mapped_column(ForeignKey("pair_room.id", ondelete="CASCADE"), index=True)
    value: Mapped[str] = mapped_column(String(CATEGORY_MAX))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReferenceLink(db.Model):
    __tablename__ = "reference_link"

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=public_id)
    room_id: Mapped[int] = mapped_column(ForeignKey("pair_room.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[str | None] = mapped_column(
        ForeignKey("category.id", ondelete="SET NULL"), nullable=True)
    url: Mapped[str] = mapped_column(String(URL_MAX))
    head_title: Mapped[str] = mapped_column(String(TITLE_MAX), default="")
    open_graph_title: Mapped[str] = mapped_column(String(TITLE_MAX), default="")
    description: Mapped[str] = mapped_column(String(DESCRIPTION_MAX), default="")
    image: Mapped[str] = mapped_column(String(URL_MAX), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    category: Mapped[Category | None] = relationship(lazy="joined")
