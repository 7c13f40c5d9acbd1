"""Clock skew between a process and the database is detected: a WARNING once when
|offset| exceeds CLOCK_SKEW_WARN_MS, once when it comes back, and the offset in
/metrics. The database's clock is shifted with CLOCK_SKEW_TEST_OFFSET_MS (round 2:
PostgreSQL has a clock to compare with; SQLite is the same machine)."""
from __future__ import annotations

import logging
import os
import time

import pytest

from coding_duo.timer.clock_skew import ClockSkew
from support import Api

postgres = pytest.mark.skipif(os.environ.get("TEST_DATABASE") != "postgres",
                              reason="PostgreSQL only: SQLite has no other clock")


def test_skew_is_warned_once_when_it_starts_and_once_when_it_ends(caplog):
    skew = ClockSkew(warn_ms=250)
    with caplog.at_level(logging.WARNING, logger="coding_duo.timer.clock_skew"):
        for offset in (10, -40, 900, 950, -800, 30, 20, 300):
            skew.observe(offset, 1.5)
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 3, lines
    assert lines[0].startswith("this process's clock is 900 ms behind the database's")
    assert "agrees with the database's again (offset 30 ms" in lines[1]
    assert lines[2].startswith("this process's clock is 300 ms behind")
    assert skew.offset_ms == 300 and skew.skewed


@postgres
def test_a_process_whose_clock_is_off_says_so(start_server):
    server = start_server({"CLOCK_SKEW_TEST_OFFSET_MS": "-1500", "CLOCK_SKEW_CHECK_SECONDS": "1"})
    metrics = Api(server.url).metrics()
    assert abs(metrics["coding_duo_clock_offset_ms"] + 1500) < 100, metrics
    assert 0 <= metrics["coding_duo_clock_offset_error_ms"] < 100
    time.sleep(2.5)  # a few more measurements: still one line
    with open(server.log_path) as log:
        text = log.read()
    assert text.count("ms ahead of the database's") == 1, text[-2000:]


@postgres
def test_a_process_on_time_says_nothing(start_server):
    server = start_server({"CLOCK_SKEW_CHECK_SECONDS": "1"})
    metrics = Api(server.url).metrics()
    assert abs(metrics["coding_duo_clock_offset_ms"]) < 100, metrics
    with open(server.log_path) as log:
        assert "database's (+/-" not in log.read()
