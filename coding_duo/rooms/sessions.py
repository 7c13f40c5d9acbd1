"""Letting go of the database connection before waiting for a room's decision lock
(see rooms/locks.py for why).

What a thread read before the lock (the room a view looked up to answer 404 early)
is only a read: the change re-reads the room under the lock, with the row locked.
So the transaction can end, and the connection go back to the pool, while the
thread waits. Not when the session holds anything not committed: objects changed
in memory, or anything flushed, written or row-locked in this transaction through
the session (``unsaved``: ORM inserts, updates and deletes, ``FOR UPDATE``/``FOR
SHARE`` selects, any text statement but a plain SELECT). Statements run on
``session.connection()`` directly are not seen: do not take a decision lock after one."""
from __future__ import annotations

from flask import has_app_context
from sqlalchemy import event
from sqlalchemy.sql.elements import TextClause
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
    statement = state.statement
    if (state.is_insert or state.is_update or state.is_delete
            or getattr(statement, "_for_update_arg", None) is not None
            or isinstance(statement, TextClause) and not _plain_select(statement.text)):
        state.session.info[_WROTE] = True


def _plain_select(sql: str) -> bool:
    words = sql.lstrip().lower()
    return words.startswith("select") and " for update" not in words and " for share" not in words


@event.listens_for(Session, "after_transaction_end")
def _ended(session, transaction) -> None:
    if transaction.parent is None:  # the outermost: what it wrote is committed or gone
        session.info.pop(_WROTE, None)
