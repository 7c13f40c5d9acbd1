"""Clock skew between this process and the database.

Turns are timed from deadlines stored as wall-clock times (epoch ms): a process
whose clock is off by d ends the turns it times d early or late, and shows
other processes' turns d off. Nothing here corrects it (that is NTP's job); it is
detected: at start and every ``CLOCK_SKEW_CHECK_SECONDS`` the process reads
PostgreSQL's ``clock_timestamp()`` and compares it with its own clock at the
middle of the round trip (half the round trip is the error bound). A WARNING is
logged once when |offset| exceeds ``CLOCK_SKEW_WARN_MS`` and once when it comes
back; /metrics shows the offset. SQLite is one machine: nothing to measure.
``CLOCK_SKEW_TEST_OFFSET_MS`` shifts the database's clock as this process reads
it (tests only).
"""
from __future__ import annotations

import logging
import time

from sqlalchemy import text

from ..extensions import db

log = logging.getLogger(__name__)


class ClockSkew:
    def __init__(self, warn_ms: float, test_offset_ms: float = 0.0):
        self.warn_ms = warn_ms
        self.test_offset_ms = test_offset_ms
        self.offset_ms: float | None = None  # database clock minus ours (None: not measured)
        self.error_ms: float | None = None
        self.skewed = False

    def measure(self) -> float | None:
        """Read the database's clock once (in an app context); None for SQLite."""
        if db.engine.dialect.name != "postgresql":
            return None
        try:
            db.session.execute(text("SELECT 1"))  # a connection at hand: the round trip is one query
            before = time.time() * 1000
            db_ms = db.session.execute(
                text("SELECT extract(epoch FROM clock_timestamp()) * 1000")).scalar()
            after = time.time() * 1000
        finally:
            db.session.rollback()
        self.observe(float(db_ms) + self.test_offset_ms - (before + after) / 2, (after - before) / 2)
        return self.offset_ms

    def observe(self, offset_ms: float, error_ms: float) -> None:
        self.offset_ms, self.error_ms = offset_ms, error_ms
        off = abs(offset_ms) > self.warn_ms
        if off and not self.skewed:
            log.warning("this process's clock is %.0f ms %s the database's (+/- %.0f ms, over "
                        "CLOCK_SKEW_WARN_MS=%s): turns it times end that much off; fix the "
                        "clock (NTP)", abs(offset_ms), "behind" if offset_ms > 0 else "ahead of",
                        error_ms, self.warn_ms)
        elif not off and self.skewed:
            log.warning("this process's clock agrees with the database's again (offset %.0f ms "
                        "+/- %.0f ms)", offset_ms, error_ms)
        self.skewed = off

    def check(self, app) -> None:
        """The periodic job: measure, and never let a failure stop the scheduler."""
        with app.app_context():
            try:
                self.measure()
            except Exception as error:  # noqa: BLE001 - the database may be down for a while
                log.info("clock skew not measured (%s)", error)
