"""One HubSpot rate budget for several replicas, kept in their shared database.

`SharedWindowLimiter` is a `RateLimiter` whose call starts come in small
blocks from a `SlotSource` (the store's `take_rate_slots`): every replica on
the database draws from the same `count` per `window` as `RollingWindowLimiter`
would give one process.

Why the source counts grants over `window + hold`: a block is spent within
`hold` seconds of its grant (what is left is given back with the next
request), so the calls HubSpot sees in any `window` come from grants made
within `window + hold` of each other, and the source never grants more than
`count` in such a span. The price is a long-run rate of `window / (window +
hold)` of the budget (95% with `hold = window / 20`; a little less when
replicas leave part of a block unspent), and a block of `count / 20` slots
(8 of 171; never more than 25, as a replica that dies holding a block wastes
it for a window) costs one database round trip per block.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Mapping
from datetime import timedelta
from typing import Protocol

import structlog

from connector.hubspot.constants import (
    GENERAL_INTERVAL_SECONDS,
    HEADER_INTERVAL_MS,
    HEADER_MAX,
    SEARCH_INTERVAL_SECONDS,
    Budget,
)
from connector.hubspot.ratelimit import Clock, RateLimiter, Sleep, budget_window

log = structlog.get_logger(__name__)
HOLD_SHARE = 1 / 20
MAX_BLOCK = 25  # a replica that dies leaves at most this many slots unspent for a window
MIN_WAIT = 0.005


class Grant(Protocol):
    grant_id: int | None
    slots: int
    wait: float


class SlotSource(Protocol):
    """Where every replica's call slots come from (the store implements it)."""

    def take_rate_slots(
        self,
        budget: str,
        want: int,
        limit: int,
        horizon: timedelta,
        give_back: tuple[int, int] | None = None,
    ) -> Grant:
        """Up to `want` slots, never more than `limit` granted in any `horizon`."""

    def pause_rate_budget(self, budget: str, seconds: float) -> object:
        """Grant no slot for `seconds`, to any replica."""


class SharedWindowLimiter:
    """At most `count` call starts per `window` across every replica of the source."""

    def __init__(
        self,
        source: SlotSource,
        limit: int,
        interval: float,
        fraction: float,
        *,
        name: str,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
    ) -> None:
        self.name = name
        self._source = source
        self._fraction = fraction
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self._left = 0
        self._spend_by = -math.inf
        self._grant_id: int | None = None
        self._resize(limit, interval)

    def acquire(self) -> None:
        """Take a slot of the current block, or ask the source for a new block."""
        while True:
            with self._lock:
                started = self._clock()
                if self._left and started < self._spend_by:
                    self._left -= 1
                    return
                grant = self._source.take_rate_slots(
                    self.name,
                    self.block,
                    self.count,
                    timedelta(seconds=self.window + self.hold),
                    self._unused(),
                )
                self._grant_id, self._left = grant.grant_id, 0
                if grant.slots:
                    self._left, self._spend_by = grant.slots - 1, started + self.hold
                    return
                wait = max(grant.wait, MIN_WAIT)
            self._sleep(wait)

    def observe(self, headers: Mapping[str, str]) -> None:
        """Follow a new limit HubSpot announces. Other apps' spending on the portal is
        left to the share of the limit leadflow does not use, and to `pause`."""
        lowered = {str(k).lower(): v for k, v in headers.items()}
        try:
            limit = int(lowered.get(HEADER_MAX.lower(), 0))
            interval = int(lowered.get(HEADER_INTERVAL_MS.lower(), 0)) / 1000
        except ValueError:
            return
        with self._lock:
            if limit > 0 and interval > 0 and (limit, interval) != (self._limit, self._interval):
                self._resize(limit, interval)
                log.info("hubspot.rate_budget_changed", budget=self.name, limit=limit)

    def pause(self, seconds: float) -> None:
        """Stop every replica's calls for `seconds` (HubSpot answered 429)."""
        with self._lock:
            self._left = 0
            self._source.pause_rate_budget(self.name, seconds)
        log.info("hubspot.rate_paused", budget=self.name, seconds=round(seconds, 3), shared=True)

    def _unused(self) -> tuple[int, int] | None:
        if self._grant_id is None or not self._left:
            return None
        return self._grant_id, self._left

    def _resize(self, limit: int, interval: float) -> None:
        self._limit, self._interval = limit, interval
        self.count, self.window = budget_window(limit, interval, self._fraction)
        self.hold = self.window * HOLD_SHARE
        self.block = min(MAX_BLOCK, max(1, math.floor(self.count * HOLD_SHARE)))


def shared_limiters(
    source: SlotSource, rate_limit: int, search_rate_limit: int, fraction: float
) -> dict[Budget, RateLimiter]:
    """The gateway's budgets (the 10-second app limit and search's per-second limit),
    shared through `source` by every replica."""
    return {
        Budget.GENERAL: SharedWindowLimiter(
            source, rate_limit, GENERAL_INTERVAL_SECONDS, fraction, name=Budget.GENERAL
        ),
        Budget.SEARCH: SharedWindowLimiter(
            source, search_rate_limit, SEARCH_INTERVAL_SECONDS, fraction, name=Budget.SEARCH
        ),
    }
