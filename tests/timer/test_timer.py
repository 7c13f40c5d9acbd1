"""The Timer domain: pure arithmetic on a deadline, no sleeping."""
import pytest

from coding_duo.timer.domain import Timer, TimerStatus

T0 = 1_700_000_000_000


def test_new_timer_is_idle_and_full():
    timer = Timer.new(600_000)
    assert timer.status is TimerStatus.IDLE
    assert timer.remaining(T0) == 600_000


def test_new_timer_with_partial_remaining_is_paused():
    timer = Timer.new(600_000, 200_000)
    assert timer.status is TimerStatus.PAUSED
    assert timer.remaining(T0) == 200_000


def test_running_remaining_comes_from_the_deadline():
    timer = Timer.new(600_000)
    assert timer.start(T0)
    assert timer.ends_at_ms == T0 + 600_000
    assert timer.remaining(T0 + 1) == 599_999
    assert timer.remaining(T0 + 3_000) == 597_000
    assert timer.remaining(T0 + 10_000_000) == 0  # never negative


def test_start_is_idempotent():
    timer = Timer.new(600_000)
    assert timer.start(T0)
    assert not timer.start(T0 + 5_000)
    assert timer.ends_at_ms == T0 + 600_000


def test_pause_keeps_exact_milliseconds_and_resume_continues():
    timer = Timer.new(600_000)
    timer.start(T0)
    assert timer.pause(T0 + 2_345)
    assert timer.status is TimerStatus.PAUSED
    assert timer.remaining(T0 + 999_999) == 597_655
    assert not timer.pause(T0 + 3_000)
    timer.start(T0 + 50_000)
    assert timer.ends_at_ms == T0 + 50_000 + 597_655


def test_update_while_running_sets_a_new_deadline():
    timer = Timer.new(600_000)
    timer.start(T0)
    timer.update(300_000, 120_000, T0 + 10_000)
    assert timer.running
    assert timer.ends_at_ms == T0 + 130_000
    assert timer.duration_ms == 300_000


def test_update_while_paused_changes_status_by_remaining():
    timer = Timer.new(600_000)
    timer.update(300_000, 300_000, T0)
    assert timer.status is TimerStatus.IDLE
    timer.update(300_000, 100_000, T0)
    assert timer.status is TimerStatus.PAUSED


def test_reset_and_is_up():
    timer = Timer.new(5_000)
    timer.start(T0)
    assert not timer.is_up(T0 + 4_999)
    assert timer.is_up(T0 + 5_000)
    timer.reset()
    assert timer.status is TimerStatus.IDLE and timer.remaining(T0) == 5_000
    assert not timer.is_up(T0 + 10_000)


@pytest.mark.parametrize("remaining, first_offset", [
    (597_000, 1_000),  # on a whole second: the next whole second, not now
    (597_500, 500),
    (597_001, 1),
    (1, 1),
    (999, 999),
])
def test_first_tick_lands_on_the_next_whole_second(remaining, first_offset):
    timer = Timer.new(600_000, remaining)
    timer.start(T0)
    first = timer.first_tick_at(T0)
    assert first - T0 == first_offset
    assert timer.remaining(first) % 1000 == 0


@pytest.mark.parametrize("late_ms, expected", [(0, 596_000), (3, 596_000), (499, 596_000),
                                               (-2, 596_000), (600, 595_000)])
def test_tick_value_reports_the_intended_whole_second(late_ms, expected):
    timer = Timer.new(600_000)
    timer.start(T0)
    assert timer.tick_value(T0 + 4_000 + late_ms) == expected


def test_tick_value_at_deadline_is_zero():
    timer = Timer.new(3_000)
    timer.start(T0)
    assert timer.tick_value(T0 + 3_000) == 0
    assert timer.tick_value(T0 + 2_999) == 0
    assert timer.tick_value(T0 + 9_000) == 0


def test_no_drift_over_a_long_turn_with_late_ticks():
    """Ticks are late by up to 400 ms at random: every value is still exact."""
    import random
    rng = random.Random(7)
    duration = 25 * 60_000
    timer = Timer.new(duration)
    timer.start(T0)
    first = timer.first_tick_at(T0)
    values = [timer.tick_value(first + k * 1000 + rng.randint(0, 400))
              for k in range(duration // 1000)]
    assert values == list(range(duration - 1000, -1, -1000))


def test_snapshot_shape():
    timer = Timer.new(10_000)
    timer.start(T0)
    snap = timer.snapshot(T0 + 1_500)
    assert snap == {"status": "RUNNING", "duration": 10_000, "remainingTime": 8_500,
                    "endsAt": T0 + 10_000, "serverTime": T0 + 1_500}
