"""The pace shared by the sending threads, on a clock of its own: no second ever holds more
requests than the rate allows, late wakers cost no rate, and a Retry-After holds everyone."""

from __future__ import annotations

import pytest

from bot.outbox.pacing import HEADROOM, Pacer


class Clock:
    """A clock whose sleeps pass at once; `late` is added to every sleep (a busy machine)."""

    def __init__(self, late: float = 0.0):
        self.now, self.late = 1000.0, late

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds + self.late


def paced(rate: float | None, late: float = 0.0) -> tuple[Pacer, Clock]:
    clock = Clock(late)
    return Pacer(rate, clock=clock, sleep=clock.sleep), clock


def times_of(pacer: Pacer, clock: Clock, n: int) -> list[float]:
    times = []
    for _ in range(n):
        pacer.wait()
        times.append(clock.now)
    return times


def busiest_second(times: list[float]) -> int:
    """The most requests in any one second: any window [t, t + 1), t a request's time."""
    return max(sum(1 for u in times if t <= u < t + 1) for t in times)


@pytest.mark.parametrize("late", [0.0, 0.003, 0.011, 0.02])  # less than an interval (0.021 s)
def test_no_second_holds_more_than_the_rate_and_late_wakers_cost_no_rate(late):
    pacer, clock = paced(50, late)
    times = times_of(pacer, clock, 2000)
    assert busiest_second(times) <= 50 * HEADROOM + 2
    assert (len(times) - 1) / (times[-1] - times[0]) == pytest.approx(50 * HEADROOM, rel=0.02)


def test_time_not_used_is_not_owed():
    pacer, clock = paced(50)
    times_of(pacer, clock, 10)
    clock.now += 60  # nothing to send for a minute: no burst of 60 seconds' worth after it
    assert busiest_second(times_of(pacer, clock, 200)) <= 50 * HEADROOM + 1  # nobody late


def test_a_retry_after_holds_everyone_and_slows_the_pace_once_then_it_recovers():
    pacer, clock = paced(50)
    times_of(pacer, clock, 100)
    for _ in range(5):  # the 429s of the requests on their way: one hold, one slowdown
        pacer.limited(1.0)
    held_at = clock.now
    after = times_of(pacer, clock, 1000)
    assert after[0] >= held_at + 1.0
    assert pacer.pace == pytest.approx(50 * HEADROOM, rel=0.01)  # recovered within 1000 requests
    assert (after[39] - after[0]) / 39 == pytest.approx(1 / (50 * HEADROOM * 0.8), rel=0.05)


def test_a_hold_before_the_next_request_is_waited_out():
    pacer, clock = paced(50)
    pacer.wait()
    began = clock.now
    pacer.limited(2.0)
    pacer.limited(1.0)  # a shorter one does not shorten it
    pacer.wait()
    assert clock.now >= began + 2.0


def test_without_a_rate_only_holds_wait():
    pacer, clock = paced(None)
    assert times_of(pacer, clock, 100) == [1000.0] * 100
    pacer.limited(1.0)
    pacer.wait()
    assert clock.now >= 1001.0
