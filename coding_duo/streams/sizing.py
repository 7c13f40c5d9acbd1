"""How many streams this process can hold: every open stream holds a waitress
thread, and threads are limited by the machine.

- ``RLIMIT_NPROC`` (``ulimit -u``; a small PaaS dyno allows 256) counts every
  thread of every process of this user, so what is left is the limit minus the
  user's threads running now (this process's own included) minus what this
  process may still start by itself (the scheduler's pool starts lazily).
- Memory: a stream costs about ``STREAM_MEMORY`` (thread, queue, buffers;
  measured about 85 KB at 3,000 streams), against the cgroup's limit or the
  memory available.

Unset, ``MAX_STREAMS`` is the default or what fits, whichever is smaller, and
the choice is logged with its reason; set, it must fit, or the server stops at
start with one line naming the setting.
"""
from __future__ import annotations

import logging
import os
import resource
from dataclasses import dataclass

log = logging.getLogger("coding_duo.sizing")

STREAM_MEMORY = 128 * 1024  # bytes per stream, with headroom over the measured 85 KB
HEADROOM_THREADS = 16  # threads started later by libraries (database pools, Redis reconnects)


@dataclass
class Limits:
    nproc: int | None  # RLIMIT_NPROC's soft limit; None: unlimited
    user_threads: int  # threads of this user running now, this process's included
    lazy_threads: int  # threads this process may still start besides waitress's
    memory_free: int | None  # bytes; None: unknown
    nproc_source: str = "RLIMIT_NPROC (ulimit -u)"  # which limit ``nproc`` is


def fit(max_streams: int, configured: bool, api_threads: int, limits: Limits) -> tuple[int, str]:
    """(streams to allow, why). Raises SystemExit with one line when it cannot fit."""
    room, reasons = None, []
    if limits.nproc is not None:
        left = limits.nproc - limits.user_threads - limits.lazy_threads
        room = left - api_threads
        reasons.append(f"{limits.nproc_source} {limits.nproc} with {limits.user_threads} "
                       f"threads of this user running and {limits.lazy_threads} kept for this "
                       f"process leaves {left} threads, {api_threads} of them API_THREADS")
    if limits.memory_free is not None:
        by_memory = limits.memory_free // STREAM_MEMORY
        reasons.append(f"{limits.memory_free // 2**20} MiB of memory free holds "
                       f"{by_memory} streams")
        room = by_memory if room is None else min(room, by_memory)
    why = "; ".join(reasons) or "no thread or memory limit found"
    if room is None or room >= max_streams:
        source = "MAX_STREAMS" if configured else "the default"
        return max_streams, f"{max_streams} streams ({source}; it fits: {why})"
    if configured:
        raise SystemExit(f"MAX_STREAMS={max_streams} does not fit this machine: {why}, room for "
                         f"{max(room, 0)} streams; lower MAX_STREAMS (or API_THREADS) or raise "
                         f"the limit")
    if room < 1:
        raise SystemExit(f"API_THREADS={api_threads} leaves no room for a single stream: {why}; "
                         f"lower API_THREADS or raise the limit")
    return room, f"{room} streams, not the default {max_streams}: {why}"


def user_threads(uid: int) -> int:
    """Threads of every process whose real user is ``uid`` (what RLIMIT_NPROC counts)."""
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/status") as status:
                fields = dict(line.split(":", 1) for line in status if ":" in line)
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if int(fields.get("Uid", "-1").split()[0]) == uid:
            total += int(fields.get("Threads", "1").strip())
    return total


def _read_int(path: str) -> int | None:
    try:
        with open(path) as handle:
            text = handle.read().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def memory_free() -> int | None:
    """Bytes this process may still use: the cgroup's limit less its usage, else the
    kernel's MemAvailable."""
    for limit_path, usage_path in (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                                   ("/sys/fs/cgroup/memory/memory.limit_in_bytes",
                                    "/sys/fs/cgroup/memory/memory.usage_in_bytes")):
        limit, usage = _read_int(limit_path), _read_int(usage_path)
        if limit is not None and usage is not None and limit < 2**60:
            return max(limit - usage, 0)
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def cgroup_tasks_left() -> int | None:
    """Tasks this cgroup may still start (``pids.max`` - ``pids.current``: docker
    --pids-limit, Kubernetes pod limits, systemd TasksMax; they bind root too), or
    None when there is no such limit."""
    for folder in ("/sys/fs/cgroup", "/sys/fs/cgroup/pids"):
        try:
            with open(os.path.join(folder, "pids.max")) as handle:
                limit = handle.read().strip()
            with open(os.path.join(folder, "pids.current")) as handle:
                current = int(handle.read().strip())
        except (OSError, ValueError):
            continue
        return None if limit == "max" else max(int(limit) - current, 0)
    return None


def machine_limits(lazy_threads: int) -> Limits:
    soft, _hard = resource.getrlimit(resource.RLIMIT_NPROC)
    # The kernel does not hold root to RLIMIT_NPROC.
    nproc = None if soft == resource.RLIM_INFINITY or os.getuid() == 0 else soft
    threads = user_threads(os.getuid()) if nproc is not None and os.path.isdir("/proc") else 0
    tasks_left = cgroup_tasks_left()
    if tasks_left is not None and (nproc is None or tasks_left < nproc - threads):
        # The cgroup's limit is the tighter one: express it the same way (a limit
        # and what already runs against it).
        return Limits(tasks_left, 0, lazy_threads + HEADROOM_THREADS, memory_free(),
                      "the cgroup's pids.max, as tasks left,")
    return Limits(nproc, threads, lazy_threads + HEADROOM_THREADS, memory_free())


def size_streams(config) -> int:
    """Decide MAX_STREAMS for this process (call it once its own threads run)."""
    chosen, why = fit(config["MAX_STREAMS"], config.get("MAX_STREAMS_CONFIGURED", False),
                      config["API_THREADS"], machine_limits(config["SCHEDULER_POOL_SIZE"]))
    log.info("MAX_STREAMS=%s: %s", chosen, why)
    return chosen
