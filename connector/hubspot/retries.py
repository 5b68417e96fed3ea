"""When to try a HubSpot call again, and how long to wait first.

`retry_delay` is a pure function of the error, the attempt number and a random
draw, so its table is tested without a clock. `retrying` wraps it in tenacity
for ONE HTTP call: transient errors only, an explicit stop (attempts and an
overall deadline that counts the coming wait), and an injected clock and sleep.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

import structlog
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from connector.hubspot.errors import HubSpotError, InDoubt, RateLimited, Transient
from connector.hubspot.ratelimit import Clock, Sleep

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard to insist on one call before giving up with its last error."""

    attempts: int = 6
    deadline_seconds: float = 120.0
    base_delay: float = 0.5
    max_delay: float = 30.0


def is_retryable(error: BaseException) -> bool:
    """Only transient HubSpot errors: never other 4xx, never a daily limit, never a call
    that may already have been carried out (`InDoubt`)."""
    return isinstance(error, HubSpotError) and error.transient and not isinstance(error, InDoubt)


def retry_delay(error: BaseException, attempt: int, policy: RetryPolicy, draw: float) -> float:
    """Seconds to wait before attempt `attempt + 1`; `draw` is uniform in [0, 1).

    1. A 429 waits exactly what its policy asks (`retry_after`): the rate
       limiter has paused every thread for that long already, and jitter would
       only make this one late.
    2. Otherwise the wait is "equal jitter" exponential backoff: half of
       `base * 2**(attempt-1)` (capped at `max_delay`) plus a random share of
       the other half, so retries of many threads spread out.
    3. A server hint (`Retry-After`, 423's two seconds) is a floor on that.
    """
    if isinstance(error, RateLimited):
        return error.retry_after
    ceiling = min(policy.max_delay, policy.base_delay * 2 ** (attempt - 1))
    backoff = ceiling / 2 + draw * ceiling / 2
    hint = error.retry_after if isinstance(error, Transient) else None
    return max(backoff, hint or 0.0)


def retrying(
    policy: RetryPolicy,
    *,
    clock: Clock,
    sleep: Sleep,
    draw: Callable[[], float] = random.random,
) -> Retrying:
    """A tenacity controller for one call; re-raises the last error when it gives up."""
    started = clock()

    def wait(state: RetryCallState) -> float:
        return retry_delay(state.outcome.exception(), state.attempt_number, policy, draw())

    def past_deadline(state: RetryCallState) -> bool:
        return clock() - started + (state.upcoming_sleep or 0.0) > policy.deadline_seconds

    def report(state: RetryCallState) -> None:
        error = state.outcome.exception()
        log.warning(
            "hubspot.retry",
            attempt=state.attempt_number,
            wait=round(state.upcoming_sleep, 3),
            status=getattr(error, "status", None),
            error=type(error).__name__,
        )

    return Retrying(
        retry=retry_if_exception(is_retryable),
        wait=wait,
        stop=stop_after_attempt(policy.attempts) | past_deadline,
        sleep=sleep,
        before_sleep=report,
        reraise=True,
    )
