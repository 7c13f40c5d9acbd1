"""A request whose transaction the database ended before it committed is tried once
more, on a fresh connection.

PostgreSQL ends a transaction that holds a room's row lock and sits idle for
``ROW_LOCK_IDLE_MS`` (500 ms), so that a process whose database link stalls does
not hold every other process's changes to the room. A thread that was merely
starved of CPU for that long (a loaded machine) meets the same end, and its
change, a todo or a swap, would be refused with a 503 though nothing was wrong
with it. The database says why it ended the transaction (``ended_by_database``:
idle, not mid-COMMIT), so nothing of that transaction was written; and the view
is run again only if the request committed nothing before it (a time-up decided
first, see ``timer.transitions``, is not decided twice, but a view that made one
change and failed on its next must not make the first again). Once: a process
that is really stalled answers the 503 it must, and the client retries later. The
second run is not charged to the client's rate limits again (``retrying``): the
request was counted when it came in."""
from __future__ import annotations

import logging

from flask import Flask, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.exc import InternalError
from sqlalchemy.orm import Session

from ..extensions import db
from .errors import ended_by_database

log = logging.getLogger(__name__)


@event.listens_for(Session, "after_commit")
def _note_commit(session) -> None:
    if has_request_context():
        g.committed = True


class RetryingFlask(Flask):
    def dispatch_request(self):
        try:
            return super().dispatch_request()
        except InternalError as error:
            if not ended_by_database(error) or g.get("committed"):
                raise
            log.warning("%s %s: the database ended its transaction (%s); trying it once more",
                        request.method, request.path, error.orig)
            db.session.rollback()  # the session forgets the ended transaction
            g.retrying = True
            try:
                return super().dispatch_request()
            finally:
                g.retrying = False


def retrying() -> bool:
    """Is this the request's second run (its limits already spent)?"""
    return has_request_context() and g.get("retrying", False)
