"""The client-side budget keeps every thread of the process under HubSpot's limits."""

from __future__ import annotations

import threading
from bisect import bisect_left

import pytest

from connector.hubspot.ratelimit import RollingWindowLimiter, budget_window
from tests.unit.hubspot.clock import FakeClock


def limiter(clock: FakeClock, limit=10, interval=10.0, fraction=0.9) -> RollingWindowLimiter:
    return RollingWindowLimiter(limit, interval, fraction, clock=clock, sleep=clock.sleep)


def starts(clock: FakeClock, budget: RollingWindowLimiter, calls: int) -> list[float]:
    times = []
    for _ in range(calls):
        budget.acquire()
        times.append(clock())
    return times


def most_in_any_window(times: list[float], window: float) -> int:
    ordered = sorted(times)
    return max(i - bisect_left(ordered, t - window + 1e-9) + 1 for i, t in enumerate(ordered))


@pytest.mark.parametrize(
    ("limit", "interval", "fraction", "count", "window"),
    [
        # the default app budget: 90% of 190 per 10 s
        (190, 10.0, 0.9, 171, 10.0),
        # 90% of search's 5 per second: 5 per 1.11 s, never 5+ in one second
        (5, 1.0, 0.9, 5, 1.0 * 5 / 4.5),
        # a Free portal at full budget
        (100, 10.0, 1.0, 100, 10.0),
        # a budget below one call per interval stretches the window
        (1, 1.0, 0.5, 1, 2.0),
    ],
)
def test_it_turns_a_budget_into_a_window(limit, interval, fraction, count, window):
    assert budget_window(limit, interval, fraction) == (count, pytest.approx(window))


@pytest.mark.parametrize(
    ("limit", "interval", "fraction"),
    [
        # no calls at all
        (0, 10.0, 0.9),
        # a budget above the portal's limit
        (190, 10.0, 1.5),
        # a zero window
        (190, 0.0, 0.9),
    ],
)
def test_it_refuses_a_meaningless_budget(limit, interval, fraction):
    with pytest.raises(ValueError, match="invalid rate budget"):
        budget_window(limit, interval, fraction)


def test_it_lets_a_burst_through_then_waits_for_the_oldest_call_to_age_out():
    clock = FakeClock()
    times = starts(clock, limiter(clock), 12)
    assert times[:9] == [1000.0] * 9
    assert times[9:] == [1010.0, 1010.0, 1010.0]


def test_it_never_exceeds_the_portal_limit_in_any_window_and_runs_at_the_budget_rate():
    clock = FakeClock()
    times = starts(clock, limiter(clock, limit=5, interval=1.0), 200)
    assert most_in_any_window(times, 1.0) <= 5
    rate = (len(times) - 5) / (times[-1] - times[0])
    assert rate == pytest.approx(4.5, rel=0.01)


def test_it_pauses_every_caller_after_a_429():
    clock = FakeClock()
    budget = limiter(clock)
    budget.acquire()
    budget.pause(3.0)
    budget.acquire()
    assert clock() == 1003.0


@pytest.mark.parametrize(
    ("headers", "calls_before_wait"),
    [
        # HubSpot agrees with our count: the whole budget of 9 is ours
        (
            {
                "X-HubSpot-RateLimit-Max": "10",
                "X-HubSpot-RateLimit-Remaining": "9",
                "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
            },
            9,
        ),
        # someone else spent 4 of the portal's calls: only 4 more for us now
        (
            {
                "X-HubSpot-RateLimit-Max": "10",
                "X-HubSpot-RateLimit-Remaining": "5",
                "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
            },
            5,
        ),
        # nothing left at HubSpot: wait a window
        ({"x-hubspot-ratelimit-remaining": "0"}, 1),
        # the portal's limit is higher than configured: 90% of 20 = 18
        (
            {
                "X-HubSpot-RateLimit-Max": "20",
                "X-HubSpot-RateLimit-Remaining": "19",
                "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
            },
            18,
        ),
        # search answers carry no rate-limit headers: nothing changes
        ({"Content-Type": "application/json"}, 9),
    ],
)
def test_it_adjusts_from_the_rate_limit_headers(headers, calls_before_wait):
    clock = FakeClock()
    budget = limiter(clock)
    budget.acquire()
    budget.observe(headers)
    times = starts(clock, budget, 30)
    assert times.index(next(t for t in times if t > 1000.0)) + 1 == calls_before_wait


def test_it_is_one_budget_for_all_threads():
    clock = FakeClock()
    budget = limiter(clock, limit=20, interval=10.0)
    times: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(25):
            budget.acquire()
            with lock:
                times.append(clock())

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(times) == 200
    assert most_in_any_window(times, 10.0) <= 18
