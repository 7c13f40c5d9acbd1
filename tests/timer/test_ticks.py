"""Ticks on the scheduler's own thread: fast, never blocked by a busy room, never out of order."""
import threading
import time

from coding_duo.rooms.locks import RoomLocks
from coding_duo.streams.registry import EventStreamsRegistry
from coding_duo.timer.registries import SchedulerRegistry, TimestampRegistry
from coding_duo.timer.service import SchedulerService
from coding_duo.timer.domain import Timer
from scheduler_fake import FakeScheduler


def service_at(clock_ms: int):
    streams, timestamps, locks = EventStreamsRegistry(), TimestampRegistry(), RoomLocks()
    service = SchedulerService(None, streams, timestamps, FakeScheduler(), locks, bus=None,
                               presence=None, empty_room_grace_seconds=0, clock=lambda: clock_ms)
    return service


def running_room(service, key="ROOM", started_at=0, duration_ms=60_000):
    timer = Timer.new(duration_ms)
    timer.start(started_at)
    service.timestamps.put(key, timer, 1)
    return service.streams.register(key)


def test_a_tick_reports_the_whole_second_from_memory():
    service = service_at(3_004)
    client = running_room(service)
    service.tick("ROOM")
    assert b"event: remaining-time\ndata: 57000\n\n" in client.next_chunk(0.1)
    assert service.schedulers.soon == []


def hold(lock):
    """Holds ``lock`` on another thread until the returned ``release`` is called."""
    held, released = threading.Event(), threading.Event()

    def holder():
        with lock:
            held.set()
            released.wait(5)
    thread = threading.Thread(target=holder)
    thread.start()
    held.wait(5)

    def release():
        released.set()
        thread.join()
    return release


def test_a_command_deciding_under_the_room_lock_does_not_delay_the_tick():
    """A command holds the room's decision lock while it waits for the database (a
    stalled link: seconds); the tick needs only the delivery lock and goes out now."""
    service = service_at(3_004)
    client = running_room(service)
    release = hold(service.locks("ROOM"))
    try:
        started = time.monotonic()
        service.tick("ROOM")
        assert time.monotonic() - started < 0.05
        assert b"data: 57000" in client.next_chunk(0.01)
        assert service.schedulers.soon == []
    finally:
        release()


def test_a_busy_delivery_lock_does_not_hold_up_the_tick_thread():
    service = service_at(3_004)
    client = running_room(service)
    release = hold(service.deliveries("ROOM"))  # e.g. a batch being broadcast
    try:
        started = time.monotonic()
        service.tick("ROOM")
        assert time.monotonic() - started < 0.05  # did not wait for the lock
        assert client.next_chunk(0.01) is None
        assert service.schedulers.soon == [("_tick_slowly", ("ROOM",))]  # finished on the pool
    finally:
        release()


def test_time_up_and_stopped_rooms_go_to_the_pool():
    service = service_at(60_001)
    running_room(service)
    service.tick("ROOM")  # time-up: a database transition
    service.tick("GONE")  # no timer any more: the job must be cancelled
    assert service.schedulers.soon == [("_tick_slowly", ("ROOM",)), ("_tick_slowly", ("GONE",))]


def test_a_late_tick_never_reports_a_higher_value_after_a_lower_one():
    service = service_at(5_004)
    client = running_room(service)
    timer = service.timestamps.get("ROOM")
    with service.locks("ROOM"):
        service._report_tick("ROOM", timer, 55_000)
        service._report_tick("ROOM", timer, 56_000)  # the slow way, behind
        service._report_tick("ROOM", timer, 55_000)  # the same one twice
    assert b"data: 55000" in client.next_chunk(0.1)
    assert client.next_chunk(0.01) is None


def test_inline_jobs_run_on_the_scheduler_thread_and_may_hand_off():
    registry = SchedulerRegistry(pool_size=2)
    registry.start()
    try:
        seen = {}
        done = threading.Event()

        def on_pool(key):
            seen["pool"] = threading.current_thread().name
            done.set()

        def inline(key):
            seen.setdefault("inline", threading.current_thread().name)
            registry.run_soon(on_pool, key)  # from inside the job-store lock: no deadlock
            seen.setdefault("keys", registry.keys())  # a hand-off is not a room's tick job

        now = time.time_ns() // 1_000_000
        registry.schedule("ROOM", inline, now + 20, 0.05, inline=True)
        assert done.wait(2)
        registry.cancel("ROOM")
        assert seen["inline"] != seen["pool"]
        assert seen["inline"] == registry._scheduler._thread.name
        assert seen["keys"] == ["ROOM"]
    finally:
        registry.shutdown()


def test_a_room_past_its_deadline_with_its_tick_job_in_place_is_decided_now():
    """The time-up's tick came while the screens had not heard of the room's newest
    change, and was held back; when the change (or a resync) arrives, the job is already
    ticking this deadline, and its next run is a second away: the time-up is decided
    now (bench/chaos.py found its 0 1.2 s late)."""
    service = service_at(60_000)
    running_room(service)
    timer = service.timestamps.get("ROOM")
    service._sync_tick_job("ROOM", timer)  # ticking this deadline
    assert "ROOM" in service.schedulers.jobs and service.schedulers.soon == []
    service.clock = lambda: 60_250  # past the deadline, still running here
    service._sync_tick_job("ROOM", timer)
    assert service.schedulers.soon == [("_tick_slowly", ("ROOM",))]
    service.schedulers.handed.clear()
    service.clock = lambda: 59_000  # before the deadline: the job's own ticks
    service._sync_tick_job("ROOM", timer)
    assert service.schedulers.soon == []
