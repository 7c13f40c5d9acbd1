"""waitress's threads woken last in, first out (coding_duo/streams/dispatch.py): the
same few threads serve one request after another, as many as run at once when they
overlap, and the dispatcher still shuts down as waitress's does."""
import signal
import threading
import time

import pytest
from waitress.task import ThreadedTaskDispatcher

from coding_duo.streams.dispatch import LastInFirstOut, MostRecentlyIdleFirst
from support import Api

pytestmark = pytest.mark.once  # see tests/conftest.py


class Job:
    """A waitress task: records the thread it ran on, optionally waits for a gate."""

    def __init__(self, done: list, gate: threading.Event | None = None):
        self.done, self.gate = done, gate

    def service(self):
        if self.gate is not None:
            self.gate.wait(10)
        self.done.append(threading.get_ident())

    def cancel(self):
        pass


def wait_for(predicate, timeout=10):
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.01)
    return predicate()


@pytest.fixture
def dispatcher():
    made = MostRecentlyIdleFirst()
    made.set_thread_count(32)
    assert wait_for(lambda: len(made.queue_cv._waiters) == 32)  # all asleep
    yield made
    made.shutdown(timeout=5)


def test_one_task_after_another_runs_on_one_thread(dispatcher):
    done = []
    for count in range(1, 101):
        dispatcher.add_task(Job(done))
        assert wait_for(lambda: len(done) == count and dispatcher.active_count == 0)
    # waitress's own dispatcher ran these on all 32 threads in turn
    assert len(set(done)) == 1 and dispatcher.threads_used() == 1


def test_overlapping_tasks_get_threads_of_their_own_and_then_those_serve(dispatcher):
    gate, done = threading.Event(), []
    for _ in range(5):
        dispatcher.add_task(Job(done, gate))
    assert wait_for(lambda: dispatcher.active_count == 5)  # five at once, none queued
    gate.set()
    assert wait_for(lambda: len(done) == 5 and dispatcher.active_count == 0)
    assert len(set(done)) == 5
    later = []
    for count in range(1, 41):
        dispatcher.add_task(Job(later))
        assert wait_for(lambda: len(later) == count and dispatcher.active_count == 0)
    assert set(later) <= set(done) and dispatcher.threads_used() == 5


def test_shutdown_wakes_and_stops_every_thread():
    made = MostRecentlyIdleFirst()
    made.set_thread_count(8)
    assert wait_for(lambda: len(made.queue_cv._waiters) == 8)
    done = []
    made.add_task(Job(done))
    assert wait_for(lambda: done)
    made.shutdown(timeout=5)
    assert not made.threads  # each thread removes itself as it stops
    assert made.queue_cv._waiters == []


def test_a_wait_with_a_timeout_gives_up_and_leaves_no_waiter_behind():
    lock = threading.Lock()
    condition = LastInFirstOut(lock)
    with lock:
        started = time.monotonic()
        assert condition.wait(0.05) is False
        assert time.monotonic() - started >= 0.05 and condition._waiters == []
        condition.notify()  # nobody to wake: nothing happens
    assert condition.woken == set()


@pytest.mark.parametrize("kind", [ThreadedTaskDispatcher, MostRecentlyIdleFirst])
def test_an_interrupt_inside_notify_leaves_no_thread_asleep_for_good(kind):
    """The main loop calls ``add_task`` (so ``notify``), and a signal handler that raises
    runs there too: app.py's SIGALRM after SIGTERM and Ctrl-C raise KeyboardInterrupt
    wherever the loop is. threading.Condition survives one inside ``notify`` (gh-92530);
    a waiter taken off the list with its lock still held would sleep for good, and
    ``shutdown`` would wait out its timeout with that thread still running
    (waitress's own dispatcher is the control)."""
    made = kind()
    made.set_thread_count(4)
    assert wait_for(lambda: made.active_count == 0)  # all asleep

    def interrupt(_signum, frame):
        if frame is not None and frame.f_code.co_name == "notify":
            raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, 0.00002, 0.00002)
    interrupted, deadline = 0, time.monotonic() + 10
    try:
        while interrupted < 300 and time.monotonic() < deadline:
            try:
                made.add_task(Job([]))
            except KeyboardInterrupt:
                interrupted += 1
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, lambda *_: None)  # one may still be pending
        time.sleep(0.05)
        signal.signal(signal.SIGALRM, previous)
    assert interrupted >= 50  # else the machine was too slow to tell
    made.shutdown(timeout=2)
    assert not made.threads, f"{len(made.threads)} of 4 threads never woke ({interrupted} interrupts)"


def test_the_server_serves_a_run_of_requests_on_a_few_of_its_threads(start_server):
    server = start_server({"MAX_STREAMS": "100"})
    api = Api(server.url)
    for _ in range(3):
        api.create_room(60_000)
    for _ in range(60):
        api.call("GET", "/api/health-check")
    metrics = api.metrics()
    assert metrics["coding_duo_server_threads"] >= 100
    # One request at a time (this test's): waitress's own order used 64 threads.
    assert metrics["coding_duo_server_threads_used"] <= 4
