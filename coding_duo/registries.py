"""The three in-memory registries of the seed design, by their names.

- ``EventStreamsRegistry``: room key -> the connected browsers, each a bounded
  ``queue.Queue``. Broadcasting encodes an event once and puts it into every
  queue without blocking; a client whose queue is full is dropped (it will
  reconnect and get a fresh snapshot) rather than slowing anyone else down.
- ``SchedulerRegistry``: room key -> an APScheduler interval job whose id is the
  room key. One BackgroundScheduler per process, started once.
- ``TimestampRegistry``: room key -> the room's ``Timer`` in memory, so hot reads
  (timer GET, ticks, start) never touch the database.
"""
from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
from datetime import datetime, timezone

from apscheduler.executors.base import BaseExecutor, run_job
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler

from .sse import encode_event
from .timer import Timer

log = logging.getLogger(__name__)

_CLOSE = object()  # queue sentinel: the stream must end


class StreamClient:
    """One connected browser: a bounded queue of encoded chunks."""

    def __init__(self, key: str, maxsize: int):
        self.key = key
        self.queue: queue.Queue = queue.Queue(maxsize=maxsize)
        self.closed = threading.Event()
        self.dropped = False

    def offer(self, chunk: bytes) -> bool:
        try:
            self.queue.put_nowait(chunk)
            return True
        except queue.Full:
            return False

    def close(self) -> None:
        """Ask the stream to end after what is already queued."""
        self.closed.set()
        try:
            self.queue.put_nowait(_CLOSE)
        except queue.Full:
            pass  # the generator also checks ``closed`` after each wake-up

    def next_chunk(self, timeout: float):
        """The next chunk, ``None`` on timeout, or ``_CLOSE`` when it must end."""
        try:
            item = self.queue.get(timeout=timeout)
        except queue.Empty:
            return _CLOSE if self.closed.is_set() else None
        if item is _CLOSE or (self.dropped and self.closed.is_set()):
            return _CLOSE
        return item


def is_close(item) -> bool:
    return item is _CLOSE


class EventStreamsRegistry:
    def __init__(self, queue_size: int = 64):
        self.queue_size = queue_size
        self._lock = threading.Lock()
        self._rooms: dict[str, set[StreamClient]] = {}
        self._ids = itertools.count(1)
        self._emptied_at: dict[str, float] = {}
        self.dropped_total = 0

    def register(self, key: str) -> StreamClient:
        client = StreamClient(key, self.queue_size)
        with self._lock:
            self._rooms.setdefault(key, set()).add(client)
            self._emptied_at.pop(key, None)
        return client

    def unregister(self, client: StreamClient) -> None:
        with self._lock:
            self._remove_locked(client)

    def _remove_locked(self, client: StreamClient) -> None:
        clients = self._rooms.get(client.key)
        if clients is not None and client in clients:
            clients.discard(client)
            if not clients:
                del self._rooms[client.key]
                self._emptied_at[client.key] = time.monotonic()

    def emptied_at(self, key: str) -> float | None:
        """When the room's last stream went away (monotonic), if it has none now."""
        with self._lock:
            return self._emptied_at.get(key)

    def count(self, key: str) -> int:
        with self._lock:
            return len(self._rooms.get(key, ()))

    def keys(self) -> list[str]:
        """Rooms with at least one stream in this process."""
        with self._lock:
            return list(self._rooms)

    def total(self) -> int:
        with self._lock:
            return sum(len(c) for c in self._rooms.values())

    def next_id(self) -> int:
        return next(self._ids)

    def encode(self, event: str, data) -> bytes:
        return encode_event(event, data, self.next_id())

    def broadcast(self, key: str, event: str, data) -> int:
        """Send to every client of the room; returns how many got it."""
        with self._lock:
            chunk = self.encode(event, data)  # ids stay in send order
            clients = list(self._rooms.get(key, ()))
            delivered = 0
            for client in clients:
                if client.offer(chunk):
                    delivered += 1
                else:
                    self._drop_locked(client)
        return delivered

    def _drop_locked(self, client: StreamClient) -> None:
        log.info("dropping slow stream client of room %s (queue full)", client.key)
        self.dropped_total += 1
        client.dropped = True
        client.close()
        self._remove_locked(client)

    def close_room(self, key: str) -> None:
        """Every stream of the room gets ``close`` / ``OK`` and ends."""
        self.broadcast(key, "close", "OK")
        with self._lock:
            clients = self._rooms.pop(key, set())
            self._emptied_at[key] = time.monotonic()
        for client in clients:
            client.close()

    def close_all(self) -> None:
        """End every stream (shutdown): browsers reconnect on their own."""
        with self._lock:
            rooms, self._rooms = self._rooms, {}
        for clients in rooms.values():
            for client in clients:
                client.close()


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
    so a change heard late (or twice) never overwrites a newer one."""

    def __init__(self):
        self._lock = threading.Lock()
        self._timers: dict[str, tuple[Timer, int]] = {}

    def get(self, key: str) -> Timer | None:
        with self._lock:
            entry = self._timers.get(key)
            return entry[0].copy() if entry else None

    def version(self, key: str) -> int:
        with self._lock:
            entry = self._timers.get(key)
            return entry[1] if entry else -1

    def put(self, key: str, timer: Timer, version: int) -> bool:
        """Store ``timer`` as of room ``version`` unless a newer one is stored."""
        with self._lock:
            entry = self._timers.get(key)
            if entry is not None and entry[1] > version:
                return False
            self._timers[key] = (timer.copy(), version)
            return True

    def remove(self, key: str) -> None:
        with self._lock:
            self._timers.pop(key, None)

    def running(self) -> dict[str, Timer]:
        with self._lock:
            return {key: t.copy() for key, (t, _) in self._timers.items() if t.running}

    def __len__(self) -> int:
        with self._lock:
            return len(self._timers)
