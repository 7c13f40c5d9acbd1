"""A request whose transaction the database ended before it committed is tried once
more, on a fresh connection.

PostgreSQL ends a transaction that holds a room's row lock and sits idle for
``ROW_LOCK_IDLE_MS`` (500 ms), so that a process whose database link stalls does
not hold every other process's changes to the room. A thread that was merely
starved of CPU for that long (a loaded machine) meets the same end, and its
change, a todo or a swap, would be refused with a 503 though nothing was wrong
with it. The database says why it ended the transaction (``ended_by_database``:
idle, not mid-COMMIT), so nothing of it was written and running the view again
cannot make the change twice. Once: a process that is really stalled answers
the 503 it must, and the client retries later."""
from __future__ import annotations

import logging

from flask import Flask, request

from ..extensions import db
from .errors import ended_by_database

log = logging.getLogger(__name__)


class RetryingFlask(Flask):
    def dispatch_request(self):
        try:
            return super().dispatch_request()
        except Exception as error:  # noqa: BLE001 - anything else is re-raised as it was
            if not ended_by_database(error):
                raise
            log.warning("%s %s: the database ended its transaction (%s); trying it once more",
                        request.method, request.path, getattr(error, "orig", error))
            db.session.rollback()  # the session forgets the ended transaction
            return super().dispatch_request()
