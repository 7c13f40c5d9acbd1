"""The room's lists in the database: todos, categories and reference links, with
ids that appear in paths without the access code and so must not be guessable."""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..rooms.models import URL_MAX, PairRoom, utcnow

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
