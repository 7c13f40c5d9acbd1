"""MAX_STREAMS against the machine's limits (coding_duo/streams/sizing.py)."""
from __future__ import annotations

import os

import pytest

from coding_duo.streams.sizing import STREAM_MEMORY, Limits, fit, user_threads

pytestmark = pytest.mark.once  # the machine's limits: tests/conftest.py

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


def test_a_cgroup_task_limit_binds_root_too(monkeypatch):
    from coding_duo.streams import sizing
    monkeypatch.setattr(sizing, "cgroup_tasks_left", lambda: 200)
    monkeypatch.setattr(sizing.os, "getuid", lambda: 0)
    limits = sizing.machine_limits(10)
    assert limits.nproc == 200 and "pids.max" in limits.nproc_source
    chosen, why = fit(500, False, 16, limits)
    assert chosen == 200 - 10 - sizing.HEADROOM_THREADS - 16 and "pids.max" in why


def test_cgroup_files_are_read_where_the_kernel_puts_them(monkeypatch, tmp_path):
    from coding_duo.streams import sizing
    (tmp_path / "pids.max").write_text("256\n")
    (tmp_path / "pids.current").write_text("40\n")
    real_join = os.path.join
    monkeypatch.setattr(sizing.os.path, "join",
                        lambda folder, name: real_join(str(tmp_path), name)
                        if folder == "/sys/fs/cgroup" else real_join(folder, name))
    assert sizing.cgroup_tasks_left() == 216
    (tmp_path / "pids.max").write_text("max\n")
    assert sizing.cgroup_tasks_left() is None
