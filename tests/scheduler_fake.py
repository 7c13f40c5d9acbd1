"""A stand-in for ``SchedulerRegistry`` in tests of the timer's machinery: it records
the jobs it is given and what is handed to the pool, and runs nothing by itself."""
from __future__ import annotations


class FakeScheduler:
    def __init__(self):
        self.jobs: dict[str, int] = {}  # job id -> when it would first run (ms)
        self.handed: list[tuple] = []  # (func, args) given to run_soon, in order

    @property
    def soon(self) -> list[tuple[str, tuple]]:
        """What was handed to the pool, by function name."""
        return [(func.__name__, args) for func, args in self.handed]

    def has(self, key: str) -> bool:
        return key in self.jobs

    def schedule(self, key, func, first_run_ms, interval_s=1.0, inline=False) -> None:
        self.jobs[key] = first_run_ms

    def at(self, job_id, func, when_ms, *args) -> None:
        self.jobs[job_id] = when_ms

    def cancel(self, key) -> None:
        self.jobs.pop(key, None)

    def run_soon(self, func, *args) -> None:
        self.handed.append((func, args))

    def run_handed(self, limit: int) -> int:
        """Run what was handed to the pool, and what that hands on, in order, up to
        ``limit`` runs; returns how many ran."""
        runs = 0
        while self.handed and runs < limit:
            func, args = self.handed.pop(0)
            func(*args)
            runs += 1
        return runs
