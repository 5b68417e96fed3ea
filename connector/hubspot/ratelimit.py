"""Client-side rate budgets: keep the whole process under a share of HubSpot's limits.

HubSpot counts calls in a rolling window (190 per 10 s for the app, 5 per
second for search). A `RateLimiter` is one such budget, shared by every thread
of the process: `acquire()` blocks until one more call may start, `observe()`
reads the rate-limit headers of an answer, `pause()` stops everyone after a 429.
A later backend (a PostgreSQL bucket shared by several replicas) implements
the same three methods.

`RollingWindowLimiter` keeps the start times of recent calls. A budget of
`fraction` of `limit` per `interval` becomes `count` starts per `window` (see
`budget_window`), where `count` never exceeds `limit` and `window` is never
shorter than `interval`: whatever the timing, no `interval` of HubSpot's sees
more than `count` of our calls, and the long-run rate is exactly the budget.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Protocol

import structlog

from connector.hubspot.constants import HEADER_INTERVAL_MS, HEADER_MAX, HEADER_REMAINING

log = structlog.get_logger(__name__)

Clock = Callable[[], float]
Sleep = Callable[[float], None]


class RateLimiter(Protocol):
    """One rate budget, safe to share between threads."""

    def acquire(self) -> None:
        """Block until one more call may start, and count it."""

    def observe(self, headers: Mapping[str, str]) -> None:
        """Adjust to what HubSpot reports in an answer's rate-limit headers."""

    def pause(self, seconds: float) -> None:
        """Let no call start for `seconds` (HubSpot answered 429)."""


def budget_window(limit: int, interval: float, fraction: float) -> tuple[int, float]:
    """`count` call starts per `window` seconds that average `fraction * limit / interval`.

    `count = ceil(fraction * limit)` and `window = interval * count / (fraction * limit)`:
    for 90% of 190/10 s that is 171 per 10 s; for 90% of 5/s it is 5 per 1.11 s
    (cutting the count to 4 per 0.89 s instead would let 8 calls into one second).
    """
    if limit <= 0 or interval <= 0 or not 0 < fraction <= 1:
        raise ValueError(f"invalid rate budget: {fraction} of {limit} per {interval} s")
    share = fraction * limit
    count = max(1, math.ceil(share - 1e-9))
    return count, interval * count / share


class RollingWindowLimiter:
    """At most `count` call starts in any `window` seconds, across all threads.

    `observe` follows HubSpot's headers: a new `Max` or interval recomputes the
    window; a `Remaining` lower than this process expects (another process
    spends the same portal's budget, or clocks drift) is booked as extra starts
    now, so this process slows down until they age out.
    """

    def __init__(
        self,
        limit: int,
        interval: float,
        fraction: float,
        *,
        name: str = "hubspot",
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
    ) -> None:
        self.name = name
        self._fraction = fraction
        self._limit, self._interval = limit, interval
        self.count, self.window = budget_window(limit, interval, fraction)
        self._clock, self._sleep = clock, sleep
        self._starts: deque[float] = deque()
        self._paused_until = -math.inf
        self._lock = threading.Lock()

    def acquire(self) -> None:
        while True:
            with self._lock:
                now = self._clock()
                self._forget_before(now - self.window)
                wait = self._paused_until - now
                if wait <= 0:
                    if len(self._starts) < self.count:
                        self._starts.append(now)
                        return
                    wait = self._starts[0] + self.window - now
            self._sleep(wait)

    def observe(self, headers: Mapping[str, str]) -> None:
        lowered = {str(k).lower(): v for k, v in headers.items()}
        limit = _whole(lowered.get(HEADER_MAX.lower()))
        interval_ms = _whole(lowered.get(HEADER_INTERVAL_MS.lower()))
        remaining = _whole(lowered.get(HEADER_REMAINING.lower()))
        with self._lock:
            if (
                limit
                and interval_ms
                and (limit, interval_ms / 1000) != (self._limit, self._interval)
            ):
                self._resize(limit, interval_ms / 1000)
            if remaining is None:
                return
            now = self._clock()
            self._forget_before(now - self.window)
            reserve = self._limit - self.count
            spare_at_hubspot = max(0, remaining - reserve)
            ours_left = self.count - len(self._starts)
            self._starts.extend([now] * max(0, ours_left - spare_at_hubspot))

    def pause(self, seconds: float) -> None:
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)
        log.info("hubspot.rate_paused", budget=self.name, seconds=round(seconds, 3))

    def _resize(self, limit: int, interval: float) -> None:
        self._limit, self._interval = limit, interval
        self.count, self.window = budget_window(limit, interval, self._fraction)
        log.info("hubspot.rate_budget_changed", budget=self.name, limit=limit, count=self.count)

    def _forget_before(self, horizon: float) -> None:
        while self._starts and self._starts[0] <= horizon:
            self._starts.popleft()


def _whole(value: object) -> int | None:
    try:
        return int(str(value)) if value is not None else None
    except ValueError:
        return None
