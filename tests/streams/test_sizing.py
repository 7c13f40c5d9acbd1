"""MAX_STREAMS against the machine's limits (coding_duo/streams/sizing.py)."""
from __future__ import annotations

import os

import pytest

from coding_duo.streams.sizing import STREAM_MEMORY, Limits, fit, user_threads

GIB = 2**30


def test_the_default_shrinks_to_what_the_thread_limit_leaves():
    chosen, why = fit(500, False, 16, Limits(nproc=256, user_threads=10, lazy_threads=26,
                                             memory_free=GIB))
    assert chosen == 256 - 10 - 26 - 16
    assert "RLIMIT_NPROC" in why and "not the default 500" in why


def test_the_default_stays_when_it_fits():
    assert fit(500, False, 16, Limits(None, 0, 26, GIB))[0] == 500
    assert fit(500, False, 16, Limits(100_000, 3_000, 26, GIB))[0] == 500


def test_memory_bounds_the_default_too():
    chosen, why = fit(500, False, 16, Limits(None, 0, 26, 100 * STREAM_MEMORY))
    assert chosen == 100 and "MiB of memory" in why


def test_a_configured_size_that_does_not_fit_stops_with_one_line():
    with pytest.raises(SystemExit) as error:
        fit(600, True, 16, Limits(256, 10, 26, GIB))
    message = str(error.value)
    assert message.startswith("MAX_STREAMS=600 does not fit") and "\n" not in message
    assert fit(100, True, 16, Limits(256, 10, 26, GIB))[0] == 100


def test_no_room_even_for_the_api_threads_stops():
    with pytest.raises(SystemExit, match="API_THREADS=16 leaves no room"):
        fit(500, False, 16, Limits(40, 10, 26, GIB))


def test_user_threads_counts_this_process():
    assert user_threads(os.getuid()) >= 1
    assert user_threads(-5) == 0
