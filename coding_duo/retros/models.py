"""A retrospective answer set in the database: one row per person who answered
(without accounts an author name is optional), so several people may answer and
nothing one of them wrote is overwritten by another. The room page answers under
a member's name: that person's set, edited in place (``updated_at``)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..rooms.models import NAME_MAX, utcnow
from ..tools.models import public_id

QUESTIONS = 6  # coduo's form asks six questions
ANSWER_MAX = 1000


class Retrospective(db.Model):
    __tablename__ = "retrospective"

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=public_id)
    room_id: Mapped[int] = mapped_column(ForeignKey("pair_room.id", ondelete="CASCADE"), index=True)
    author: Mapped[str | None] = mapped_column(String(NAME_MAX), nullable=True)
    answers: Mapped[list] = mapped_column(JSON)  # QUESTIONS strings, in the questions' order
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
