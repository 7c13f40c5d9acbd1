"""Letting go of the database connection before waiting for a room's decision lock
(see rooms/locks.py for why).

What a thread read before the lock (the room a view looked up to answer 404 early)
is only a read: the change re-reads the room under the lock, with the row locked.
So the transaction can end, and the connection go back to the pool, while the
thread waits. Not when the session holds anything not committed: objects changed
in memory, or anything flushed or written in this transaction (``unsaved``)."""
from __future__ import annotations

from flask import has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import db

_WROTE = "coding_duo.wrote"


def unsaved(session: Session) -> bool:
    return bool(session.new or session.dirty or session.deleted or session.info.get(_WROTE))


def let_go_of_connection() -> None:
    """Before waiting for a decision lock: end a read-only transaction, so the thread
    waits without a pooled connection."""
    if not has_app_context():
        return
    session = db.session()
    if session.in_transaction() and not unsaved(session):
        session.rollback()


@event.listens_for(Session, "after_flush")
def _flushed(session, _context) -> None:
    session.info[_WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _executed(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = True


@event.listens_for(Session, "after_transaction_end")
def _ended(session, transaction) -> None:
    if transaction.parent is None:  # the outermost: what it wrote is committed or gone
        session.info.pop(_WROTE, None)
