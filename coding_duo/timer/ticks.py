"""The per-second tick of the ``SchedulerService``, and which job a running room
has in this process.

Ticks only report: each process ticks only the rooms it has streams for, from
the deadline in its ``TimestampRegistry``, so every client of a room gets the
same values whichever process it is on. A room running with no stream here has
only a deadline job, so its turn still ends on time.
"""
from __future__ import annotations

import logging

from .domain import Timer
from .transitions import in_app_context

log = logging.getLogger(__name__)

TICK_SECONDS = 1.0
DEADLINE_JOB = "~deadline:"
UNHEARD_JOB = "~unheard:"
# How long memory may be ahead of what the screens were told (a read got ahead of the
# bus) before the room is resynced from the database: batches normally arrive in ms.
UNHEARD_MS = 500


class Ticks:
    """Mixed into ``SchedulerService``."""

    def stream_opened(self, key: str) -> None:
        """A browser joined: tick for it if the room is running."""
        with self.deliveries(key):
            self._sync_tick_job(key, self.timestamps.get(key))

    # ----- jobs ----------------------------------------------------------------------

    def _sync_tick_job(self, key: str, timer: Timer | None) -> None:
        """While a room runs, this process ticks it if it has streams for it (the
        tick at zero ends the turn); otherwise it only waits for the deadline, to
        end the turn on time even if nobody watches. Every process does, and the
        database lets one of them win."""
        deadline_job = DEADLINE_JOB + key
        if timer is None or not timer.running:
            self._cancel_ticks(key)
            self.schedulers.cancel(deadline_job)
        elif self.streams.count(key) > 0:
            self.schedulers.cancel(deadline_job)
            # A new deadline (resumed, updated while running) moves the whole seconds:
            # the job is replaced so its run times follow the deadline it reports.
            if self._ticking.get(key) != timer.ends_at_ms:
                self._last_tick.pop(key, None)  # a new deadline counts down afresh
            if self._ticking.get(key) != timer.ends_at_ms or not self.schedulers.has(key):
                self.schedulers.schedule(key, self.tick, timer.first_tick_at(self.clock()),
                                         TICK_SECONDS, inline=True)
                self._ticking[key] = timer.ends_at_ms
            elif timer.is_up(self.clock()) and self._hurried.get(key) != (
                    timer.ends_at_ms, self._delivered.get(key)):
                # Past its deadline and still running: its time-up's tick came and was held
                # back (the screens had not heard of the room's newest change). Decide it now,
                # not at the job's next whole second (bench/chaos.py: the 0 1.2 s late). Once
                # for what the screens were told: a decision that finds nothing to do (memory
                # ahead of the database) must not queue another at once, for ever.
                self._hurried[key] = (timer.ends_at_ms, self._delivered.get(key))
                self.schedulers.run_soon(self._tick_slowly, key)
        else:
            self._cancel_ticks(key)
            self.schedulers.at(deadline_job, self.deadline, timer.ends_at_ms, key)

    def _cancel_ticks(self, key: str) -> None:
        self.schedulers.cancel(key)
        self._ticking.pop(key, None)
        self._hurried.pop(key, None)
        self._last_tick.pop(key, None)

    @in_app_context
    def deadline(self, key: str) -> None:
        self._transition(key, self._decide_time_up)

    def tick(self, key: str) -> None:
        """Once a second per ticking room, on the scheduler's thread: report the
        remaining time from memory. Anything more (time-up, a room that stopped
        or lost its streams, a room lock held by a command) goes to the pool, so
        one busy room never holds up the others' ticks."""
        timer = self.timestamps.get(key)
        if timer is None or not timer.running or self.streams.count(key) == 0:
            self.schedulers.run_soon(self._tick_slowly, key)
            return
        if self._unheard(key):
            self._await_unheard(key)
            return
        value = timer.tick_value(self.clock())
        lock = self.deliveries(key)
        if value <= 0 or not lock.acquire(blocking=False):
            self.schedulers.run_soon(self._tick_slowly, key)
            return
        try:
            self._report_tick(key, timer, value)
        finally:
            lock.release()

    @in_app_context
    def _tick_slowly(self, key: str) -> None:
        timer = self.timestamps.get(key)
        if timer is None or not timer.running or self.streams.count(key) == 0:
            with self.deliveries(key):
                self._sync_tick_job(key, self.timestamps.get(key))
            return
        if self._unheard(key):
            self._await_unheard(key)
            return
        value = timer.tick_value(self.clock())
        if value <= 0:
            self._transition(key, self._decide_time_up)
            return
        with self.deliveries(key):
            self._report_tick(key, timer, value)

    def _unheard(self, key: str) -> bool:
        """Memory holds a newer version of the room than this process's screens were
        sent: a read of the room here (a request, or a time-up that found the turn
        already moved on) got ahead of the bus. Ticks from that memory would count a
        turn the screens never heard of (bench/chaos.py: 1000, then 4000), so the room
        does not tick until its batches arrive, or, after ``UNHEARD_MS``, a resync."""
        delivered = self._delivered.get(key)
        return delivered is not None and self.timestamps.version(key) > delivered

    def _await_unheard(self, key: str) -> None:
        if not self.schedulers.has(UNHEARD_JOB + key):
            self.schedulers.at(UNHEARD_JOB + key, self._unheard_expired,
                               self.clock() + UNHEARD_MS, key)

    @in_app_context
    def _unheard_expired(self, key: str) -> None:
        with self.locks(key):
            if not (self._unheard(key) and self.streams.count(key)):
                return  # the batches came (or nobody here watches)
            log.info("room %s: memory at version %d, screens told %d, for %d ms: resyncing",
                     key, self.timestamps.version(key), self._delivered.get(key), UNHEARD_MS)
            self._safely(self.resync, key)

    def _report_tick(self, key: str, timer: Timer, value: int) -> None:
        """Under the room's delivery lock: unless the timer changed since ``timer`` was read
        (that change brought its own events), every stream gets the tick."""
        current = self.timestamps.get(key)
        if current is None or current.ends_at_ms != timer.ends_at_ms:
            return
        if self._last_tick.get(key, value + 1) <= value:
            return  # already said (a late slow tick behind a newer one)
        self._last_tick[key] = value
        self.streams.broadcast(key, "remaining-time", str(value))
        self.ticks_sent += 1
