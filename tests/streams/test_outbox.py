"""The Redis bus's outbox is bounded by bytes (BUS_OUTBOX_BYTES), not by a count:
beyond the bound the oldest unsent changes go, the newest always stays, and the
drops are counted (metrics) and logged once per outage, with a summary when
publishing works again."""
from __future__ import annotations

import logging

from coding_duo.streams.outbox import Outbox


def test_the_outbox_drops_the_oldest_beyond_its_bytes_and_says_so_once(caplog):
    outbox = Outbox(max_bytes=1000)
    with caplog.at_level(logging.WARNING, logger="coding_duo.streams.outbox"):
        for n in range(50):
            outbox.append(f'{{"n":{n:03},"pad":"{"é" * 40}"}}')  # 98 bytes, 58 characters
        assert outbox.bytes <= 1000
        kept = len(outbox.items)
        assert kept == 10  # bytes, not characters: 10 x 98 fits, 11 would not
        assert outbox.first().startswith('{"n":040')  # the oldest went
        assert (outbox.dropped_batches, outbox.dropped_bytes) == (40, 40 * 98)
        full = [r for r in caplog.records if "outbox full" in r.getMessage()]
        assert len(full) == 1
        while outbox:
            outbox.sent(outbox.first())
        outbox.report()
        outbox.report()
    summaries = [r.getMessage() for r in caplog.records if "were dropped" in r.getMessage()]
    assert summaries == ["Redis bus outbox: 40 unsent change(s) (3920 bytes) were dropped "
                         "during the outage; their rooms resync from the database"]
    assert outbox.bytes == 0


def test_the_newest_change_stays_even_when_it_alone_is_over_the_bound():
    outbox = Outbox(max_bytes=10)
    outbox.append("x" * 50)
    outbox.append("y" * 50)
    assert [m for m, _ in outbox.items] == ["y" * 50]
    assert outbox.dropped_batches == 1
