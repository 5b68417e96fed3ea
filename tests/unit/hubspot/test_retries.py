"""Which failures are tried again, how long after, and when the gateway gives up."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connector.hubspot.errors import (
    AuthError,
    DailyLimitReached,
    NotFound,
    RateLimited,
    Transient,
    UnexpectedResponse,
    ValidationError,
)
from connector.hubspot.retries import RetryPolicy, is_retryable, retry_delay, retrying
from tests.unit.hubspot.clock import FakeClock

POLICY = RetryPolicy(attempts=6, deadline_seconds=60.0, base_delay=0.5, max_delay=8.0)
SERVER_ERROR = Transient("HubSpot answered 503", status=503)


@pytest.mark.parametrize(
    ("error", "attempt", "draw", "delay"),
    [
        # first retry, lowest draw: half of the base
        (SERVER_ERROR, 1, 0.0, 0.25),
        # first retry, highest draw: the whole base
        (SERVER_ERROR, 1, 1.0, 0.5),
        # third retry doubles twice: between 1 and 2 s
        (SERVER_ERROR, 3, 0.5, 1.5),
        # far attempts are capped at max_delay
        (SERVER_ERROR, 10, 1.0, 8.0),
        # a 429 waits what its policy asks, without jitter
        (RateLimited("slow down", policy="TEN_SECONDLY_ROLLING", retry_after=10.0), 1, 0.9, 10.0),
        # search's per-second limit waits one second
        (RateLimited("slow down", policy="SECONDLY", retry_after=1.0), 4, 0.0, 1.0),
        # a Retry-After hint is a floor under the backoff
        (Transient("migrating", status=477, retry_after=5.0), 1, 0.0, 5.0),
        # a short hint does not shorten the backoff
        (Transient("locked", status=423, retry_after=2.0), 4, 1.0, 4.0),
    ],
)
def test_it_waits_before_each_retry(error, attempt, draw, delay):
    assert retry_delay(error, attempt, POLICY, draw) == pytest.approx(delay)


@pytest.mark.parametrize(
    ("error", "retryable"),
    [
        # 5xx, timeouts, dropped connections
        (SERVER_ERROR, True),
        # the 10-second and per-second limits
        (RateLimited("slow down", policy="TEN_SECONDLY_ROLLING", retry_after=10.0), True),
        # the daily limit stops work instead
        (DailyLimitReached("daily", resets_at=datetime(2026, 1, 2, tzinfo=UTC)), False),
        # other 4xx never
        (ValidationError("bad value", status=400), False),
        (AuthError("bad token", status=401), False),
        (NotFound("no such contact", status=404), False),
        # an answer the SDK refuses would be refused again
        (UnexpectedResponse("bad shape"), False),
        # not a HubSpot error at all: a bug of ours
        (KeyError("x"), False),
    ],
)
def test_it_retries_transient_errors_only(error, retryable):
    assert is_retryable(error) is retryable


class Flaky:
    """Fails with the given errors in turn, then answers "ok"; counts calls."""

    def __init__(self, *errors: BaseException) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


def run(flaky: Flaky, policy: RetryPolicy = POLICY) -> tuple[str, FakeClock]:
    clock = FakeClock()
    return retrying(policy, clock=clock, sleep=clock.sleep, draw=lambda: 0.0)(flaky), clock


def test_it_succeeds_after_transient_failures():
    flaky = Flaky(SERVER_ERROR, SERVER_ERROR)
    result, clock = run(flaky)
    assert (result, flaky.calls) == ("ok", 3)
    assert clock.slept == [0.25, 0.5]


def test_it_gives_up_after_the_last_attempt_with_the_last_error():
    flaky = Flaky(*[Transient(f"failure {n}", status=503) for n in range(10)])
    with pytest.raises(Transient, match="failure 5"):
        run(flaky)
    assert flaky.calls == 6


def test_it_gives_up_before_a_wait_that_would_pass_the_deadline():
    limited = RateLimited("slow down", policy="TEN_SECONDLY_ROLLING", retry_after=10.0)
    flaky = Flaky(limited, limited, limited)
    with pytest.raises(RateLimited):
        run(flaky, RetryPolicy(attempts=10, deadline_seconds=15.0))
    assert flaky.calls == 2


def test_it_raises_a_permanent_error_at_once():
    flaky = Flaky(ValidationError("Property values were not valid", status=400))
    with pytest.raises(ValidationError):
        run(flaky)
    assert flaky.calls == 1
