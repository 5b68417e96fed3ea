"""One HubSpot call, done properly: budget, retries, errors, counting.

`CallRunner.run(endpoint, operation, ...)` calls an SDK `*_with_http_info`
method (which returns data, status and headers) and:

1. fails fast with `DailyLimitReached` while a daily limit seen earlier lasts;
2. takes one start from the endpoint's rate budget (blocking if it is spent);
3. makes the HTTP call with a connect/read timeout;
4. counts it by endpoint and status, and feeds the rate-limit headers back to
   the budget;
5. turns an SDK exception into leadflow's `HubSpotError`; after a 429 it
   pauses the whole budget for as long as the policy asks;
6. repeats steps 1-5 for transient errors only, under `RetryPolicy`.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, tzinfo
from typing import Any

import structlog
import urllib3.exceptions

from connector.hubspot.constants import Budget, Endpoint
from connector.hubspot.errors import (
    DailyLimitReached,
    HubSpotError,
    InDoubt,
    RateLimited,
    Transient,
    UnexpectedResponse,
    error_from_response,
)
from connector.hubspot.metrics import CallTally
from connector.hubspot.ratelimit import Clock, RateLimiter, Sleep
from connector.hubspot.retries import RetryPolicy, retrying
from connector.hubspot.sdk import API_EXCEPTIONS, REQUEST_EXCEPTIONS

log = structlog.get_logger(__name__)

Timeout = tuple[float, float]  # (connect, read) seconds
DEFAULT_TIMEOUT: Timeout = (5.0, 30.0)


class CallRunner:
    """Runs SDK calls for one gateway; safe to share between threads."""

    def __init__(
        self,
        limiters: Mapping[Budget, RateLimiter],
        *,
        retry_policy: RetryPolicy,
        tally: CallTally,
        timeout: Timeout = DEFAULT_TIMEOUT,
        account_timezone: tzinfo = UTC,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        draw: Callable[[], float] = random.random,
    ) -> None:
        self._limiters = limiters
        self._retry_policy = retry_policy
        self._tally = tally
        self._timeout = timeout
        self._account_timezone = account_timezone
        self._clock, self._sleep, self._now, self._draw = clock, sleep, now, draw
        self._daily_limit: DailyLimitReached | None = None
        self._lock = threading.Lock()

    def run(
        self, endpoint: Endpoint, operation: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> Any:
        """The deserialized answer of `operation(*args, **kwargs)`; raises `HubSpotError`."""
        controller = retrying(
            self._retry_policy, clock=self._clock, sleep=self._sleep, draw=self._draw
        )
        return controller(self._once, endpoint, operation, args, kwargs)

    def _once(
        self,
        endpoint: Endpoint,
        operation: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> Any:
        self._refuse_while_daily_limit()
        limiter = self._limiters.get(endpoint.budget)
        if limiter is not None:
            limiter.acquire()
        try:
            data, status, headers = operation(*args, _request_timeout=self._timeout, **kwargs)
        except API_EXCEPTIONS as exc:
            raise _in_doubt_after_5xx(endpoint, self._failed(endpoint, limiter, exc)) from exc
        except urllib3.exceptions.HTTPError as exc:
            outcome = _network_outcome(exc)
            self._tally.record_call(endpoint.name, outcome)
            sent = not isinstance(exc, urllib3.exceptions.ConnectTimeoutError)
            failure = InDoubt if sent and not endpoint.idempotent else Transient
            raise failure(f"HubSpot call {endpoint.name} failed: {outcome}") from exc
        except ValueError as exc:
            if isinstance(exc, REQUEST_EXCEPTIONS):
                raise
            self._tally.record_call(endpoint.name, "invalid")
            raise UnexpectedResponse(
                f"{endpoint.name}: the SDK refused HubSpot's answer: {exc}"
            ) from exc
        self._tally.record_call(endpoint.name, str(status))
        if limiter is not None and headers:
            limiter.observe(headers)
        return data

    def _failed(self, endpoint: Endpoint, limiter: RateLimiter | None, exc: Any) -> HubSpotError:
        status = int(exc.status or 0)
        self._tally.record_call(endpoint.name, str(status))
        headers = dict(exc.headers or {})
        error = error_from_response(
            status,
            exc.body,
            headers,
            budget=endpoint.budget,
            now=self._now(),
            account_timezone=self._account_timezone,
        )
        # A daily-limit answer's window headers say nothing of the next window's room.
        if limiter is not None and headers and not isinstance(error, DailyLimitReached):
            limiter.observe(headers)
        if isinstance(error, RateLimited | DailyLimitReached):
            self._tally.record_rate_limited(error.policy)
            log.warning(
                "hubspot.rate_limited",
                endpoint=endpoint.name,
                policy=error.policy,
                correlation_id=error.correlation_id,
            )
        if isinstance(error, RateLimited) and limiter is not None:
            limiter.pause(error.retry_after)
        if isinstance(error, DailyLimitReached):
            with self._lock:
                self._daily_limit = error
            log.error("hubspot.daily_limit_reached", resets_at=error.resets_at.isoformat())
        return error

    def _refuse_while_daily_limit(self) -> None:
        with self._lock:
            reached = self._daily_limit
            if reached is not None and self._now() >= reached.resets_at:
                self._daily_limit = reached = None
        if reached is not None:
            raise DailyLimitReached(
                reached.message,
                resets_at=reached.resets_at,
                status=reached.status,
                category=reached.category,
                correlation_id=reached.correlation_id,
            )


def _in_doubt_after_5xx(endpoint: Endpoint, error: HubSpotError) -> HubSpotError:
    """A 5xx may come after HubSpot carried the call out: for a call it cannot
    deduplicate, that makes the error `InDoubt` rather than worth a blind retry."""
    if endpoint.idempotent or not error.transient or (error.status or 0) < 500:
        return error
    return InDoubt(
        error.message,
        status=error.status,
        category=error.category,
        correlation_id=error.correlation_id,
    )


def _network_outcome(exc: urllib3.exceptions.HTTPError) -> str:
    """`timeout` or `connection`; urllib3 files a refused connection under timeouts."""
    refused = isinstance(exc, urllib3.exceptions.NewConnectionError)
    return (
        "timeout"
        if isinstance(exc, urllib3.exceptions.TimeoutError) and not refused
        else "connection"
    )
