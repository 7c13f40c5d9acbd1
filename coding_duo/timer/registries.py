"""Two of the seed design's in-memory registries, by their names.

- ``SchedulerRegistry``: room key -> an APScheduler interval job whose id is the
  room key. One BackgroundScheduler per process, started once.
- ``TimestampRegistry``: room key -> the room's ``Timer`` in memory, so hot reads
  (timer GET, ticks, start) never touch the database.
"""
from __future__ import annotations

import itertools
import threading
import time
from datetime import datetime, timezone

from apscheduler.executors.base import BaseExecutor, run_job
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler

from .domain import Timer


class InlineExecutor(BaseExecutor):
    """Runs a job on the scheduler's own thread, at its run time.

    For ticks: a tick only reads memory and puts into queues, and handing each
    one to a pool thread cost a thread wake-up and ~30 us of executor work per
    room per second (measured with 2,000 interval jobs: 109 us a run through the
    pool, 81 us inline). A job run here must never block: it holds up every
    other job, and it runs inside APScheduler's job-store lock, so it must not
    add, change or remove jobs either (hand such work to ``run_soon``)."""

    def _do_submit_job(self, job, run_times):
        try:
            events = run_job(job, job._jobstore_alias, run_times, self._logger.name)
        except BaseException as exc:
            self._run_job_error(job.id, exc, exc.__traceback__)
        else:
            self._run_job_success(job.id, events)


class SchedulerRegistry:
    """Room key -> APScheduler interval job (job id = room key)."""

    _process_lock = threading.Lock()
    _started_in_process = False

    def __init__(self, pool_size: int = 10):
        self._soon_ids = itertools.count(1)
        self._scheduler = BackgroundScheduler(
            timezone=timezone.utc,
            executors={"default": {"type": "threadpool", "max_workers": pool_size},
                       "inline": InlineExecutor()},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )

    @property
    def started(self) -> bool:
        return self._scheduler.running

    def start(self) -> None:
        """Start this process's one scheduler; a second one is a programming error."""
        with SchedulerRegistry._process_lock:
            if SchedulerRegistry._started_in_process:
                raise RuntimeError("a scheduler is already running in this process")
            self._scheduler.start()
            SchedulerRegistry._started_in_process = True

    def shutdown(self) -> None:
        with SchedulerRegistry._process_lock:
            if self._scheduler.running:
                self._scheduler.shutdown(wait=False)
                SchedulerRegistry._started_in_process = False

    def schedule(self, key: str, func, first_run_ms: int, interval_s: float = 1.0,
                 inline: bool = False) -> None:
        """``func(key)`` every ``interval_s`` from ``first_run_ms``; ``inline`` runs it on
        the scheduler's thread (see InlineExecutor: it must not block)."""
        first = datetime.fromtimestamp(first_run_ms / 1000, tz=timezone.utc)
        self._scheduler.add_job(
            func, "interval", seconds=interval_s, start_date=first, args=[key],
            id=key, replace_existing=True, executor="inline" if inline else "default",
        )

    def run_soon(self, func, *args) -> None:
        """``func(*args)`` once, now, on the pool (safe from an inline job). Its id starts
        with ``~`` like every job that is not a room's tick."""
        self._scheduler.add_job(func, args=list(args), executor="default",
                                id=f"~soon:{next(self._soon_ids)}")

    def at(self, job_id: str, func, when_ms: int, *args) -> None:
        """Run ``func(*args)`` once at ``when_ms`` (epoch ms); replaces a job of that id."""
        when = datetime.fromtimestamp(when_ms / 1000, tz=timezone.utc)
        self._scheduler.add_job(func, "date", run_date=when, args=list(args), id=job_id,
                                replace_existing=True)

    def cancel(self, key: str) -> None:
        try:
            self._scheduler.remove_job(key)
        except JobLookupError:
            pass

    def has(self, key: str) -> bool:
        return self._scheduler.get_job(key) is not None

    def keys(self) -> list[str]:
        """Room keys with a tick job (other jobs have ids that cannot be room keys)."""
        return [job.id for job in self._scheduler.get_jobs() if not job.id.startswith("~")]

    def every(self, job_id: str, func, interval_s: float) -> None:
        """A process-wide periodic job (``job_id`` starts with ``~``)."""
        self._scheduler.add_job(func, "interval", seconds=interval_s, id=job_id,
                                replace_existing=True)


class TimestampRegistry:
    """Room key -> the room's ``Timer`` in memory, with the room version it reflects,
    so a change heard late (or twice) never overwrites a newer one. It also knows
    when each room was last used here, so idle rooms can be let go (``idle``), and
    which are running, so the sweep's walk costs the running rooms only."""

    def __init__(self, clock=time.monotonic):
        self._lock = threading.Lock()
        self._clock = clock
        self._timers: dict[str, tuple[Timer, int]] = {}
        self._used: dict[str, float] = {}  # room key -> when last read or written here
        self._running: set[str] = set()

    def get(self, key: str) -> Timer | None:
        with self._lock:
            entry = self._timers.get(key)
            if entry is None:
                return None
            self._used[key] = self._clock()
            return entry[0].copy()

    def version(self, key: str) -> int:
        with self._lock:
            entry = self._timers.get(key)
            return entry[1] if entry else -1

    def put(self, key: str, timer: Timer, version: int) -> bool:
        """Store ``timer`` as of room ``version`` unless a newer one is stored."""
        with self._lock:
            self._used[key] = self._clock()
            entry = self._timers.get(key)
            if entry is not None and entry[1] > version:
                return False
            self._timers[key] = (timer.copy(), version)
            if timer.running:
                self._running.add(key)
            else:
                self._running.discard(key)
            return True

    def remove(self, key: str) -> None:
        with self._lock:
            self._timers.pop(key, None)
            self._used.pop(key, None)
            self._running.discard(key)

    def running(self) -> dict[str, Timer]:
        with self._lock:
            return {key: self._timers[key][0].copy() for key in self._running}

    def discard_idle(self, key: str, unused_for: float) -> bool:
        """Remove the room if it is still idle (not running, unused that long)."""
        with self._lock:
            used = self._used.get(key)
            if key in self._running or used is None or used > self._clock() - unused_for:
                return False
            self._timers.pop(key, None)
            del self._used[key]
            return True

    def idle(self, unused_for: float) -> list[str]:
        """Rooms not running and not used here for ``unused_for`` seconds."""
        before = self._clock() - unused_for
        with self._lock:
            return [key for key, used in self._used.items()
                    if used <= before and key not in self._running]

    def __len__(self) -> int:
        with self._lock:
            return len(self._timers)
