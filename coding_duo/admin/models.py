"""The maintenance table: one row per periodic task that only one process may run
at a time, locked while it runs and saying when it last ran."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class Maintenance(db.Model):
    __tablename__ = "maintenance"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_run_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


def aware(moment: datetime | None) -> datetime | None:
    """SQLite gives back naive datetimes; every one we store is UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment
