"""HubSpot's error answers become leadflow's exception types, with HubSpot's own words."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from connector.hubspot.constants import Budget
from connector.hubspot.errors import (
    AuthError,
    Conflict,
    DailyLimitReached,
    HubSpotError,
    NotFound,
    RateLimited,
    Transient,
    ValidationError,
    daily_reset,
    error_from_response,
)

NOW = datetime(2026, 11, 24, 15, 30, tzinfo=UTC)
CORRELATION = "aeb5f871-7f07-4993-9211-075dc63e7cbf"


def body(message: str, category: str | None = None, **extra: object) -> str:
    fields = {"status": "error", "message": message, "correlationId": CORRELATION, **extra}
    if category:
        fields["category"] = category
    return json.dumps(fields)


def classify(status, text, headers=None, budget=Budget.GENERAL, tz=UTC) -> HubSpotError:
    return error_from_response(
        status, text, headers or {}, budget=budget, now=NOW, account_timezone=tz
    )


@pytest.mark.parametrize(
    ("status", "category", "expected", "transient"),
    [
        # a bad or expired token
        (401, "INVALID_AUTHENTICATION", AuthError, False),
        # a token without the scope
        (403, "MISSING_SCOPES", AuthError, False),
        # an unknown contact id
        (404, "OBJECT_NOT_FOUND", NotFound, False),
        # an invalid property value
        (400, "VALIDATION_ERROR", ValidationError, False),
        # a property that already exists
        (409, "CONFLICT", Conflict, False),
        # a URI too long is our mistake, not worth a retry
        (414, None, HubSpotError, False),
        # HubSpot is down or overloaded
        (500, None, Transient, True),
        (502, None, Transient, True),
        (503, None, Transient, True),
        (504, None, Transient, True),
        # Cloudflare's timeout in front of HubSpot
        (524, None, Transient, True),
        # a migration in progress
        (477, "MIGRATION_IN_PROGRESS", Transient, True),
        # the record is locked
        (423, "LOCKED", Transient, True),
    ],
)
def test_it_classifies_each_status(status, category, expected, transient):
    error = classify(status, body("Something happened", category))
    assert type(error) is expected
    assert error.transient is transient
    assert (error.status, error.category) == (status, category)
    assert error.message == "Something happened"
    assert error.correlation_id == CORRELATION


def test_it_keeps_hubspots_message_and_correlation_id_in_the_text():
    error = classify(400, body("Property values were not valid", "VALIDATION_ERROR"))
    assert str(error) == (
        "Property values were not valid (status 400, VALIDATION_ERROR, "
        f"correlationId {CORRELATION})"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # no body at all
        (None, "HubSpot answered 502"),
        # an HTML error page from a proxy
        ("<html>Bad gateway</html>", "HubSpot answered 502: <html>Bad gateway</html>"),
        # JSON that is not an object
        ("[1, 2]", "HubSpot answered 502: [1, 2]"),
        # bytes, as urllib3 hands them over
        (b"upstream reset", "HubSpot answered 502: upstream reset"),
    ],
)
def test_it_treats_every_body_field_as_optional(text, message):
    error = classify(502, text)
    assert isinstance(error, Transient)
    assert error.message == message
    assert error.correlation_id is None


def test_it_keeps_the_context_that_names_the_bad_input():
    error = classify(
        400,
        body(
            "Property values were not valid",
            "VALIDATION_ERROR",
            context={"invalidPropertyName": ["foo"]},
        ),
    )
    assert error.context == {"invalidPropertyName": ["foo"]}


@pytest.mark.parametrize(
    ("fields", "headers", "budget", "policy", "retry_after"),
    [
        # the burst limit, no hint: one whole rolling window
        ({"policyName": "TEN_SECONDLY_ROLLING"}, {}, Budget.GENERAL, "TEN_SECONDLY_ROLLING", 10.0),
        # the burst limit with the window length in the headers
        (
            {"policyName": "TEN_SECONDLY_ROLLING"},
            {"X-HubSpot-RateLimit-Interval-Milliseconds": "2000"},
            Budget.GENERAL,
            "TEN_SECONDLY_ROLLING",
            2.0,
        ),
        # a Retry-After header wins over the policy's default
        (
            {"policyName": "TEN_SECONDLY_ROLLING"},
            {"retry-after": "3"},
            Budget.GENERAL,
            "TEN_SECONDLY_ROLLING",
            3.0,
        ),
        # search's per-second limit names no policy, only a message
        ({"message": "You have reached your secondly limit."}, {}, Budget.SEARCH, "SECONDLY", 1.0),
        # a bare 429 on a search call is the search limit too
        ({}, {}, Budget.SEARCH, "SECONDLY", 1.0),
        # an unparseable Retry-After falls back to the policy's default
        (
            {"policyName": "TEN_SECONDLY_ROLLING"},
            {"Retry-After": "soon"},
            Budget.GENERAL,
            "TEN_SECONDLY_ROLLING",
            10.0,
        ),
    ],
)
def test_it_reads_the_429_policy(fields, headers, budget, policy, retry_after):
    text = json.dumps(
        {
            "status": "error",
            "errorType": "RATE_LIMIT",
            "message": "You have reached your ten_secondly_rolling limit.",
            **fields,
        }
    )
    error = classify(429, text, headers, budget)
    assert isinstance(error, RateLimited)
    assert error.transient
    assert (error.policy, error.retry_after) == (policy, retry_after)


@pytest.mark.parametrize(
    "fields",
    [
        # named by policy
        {"policyName": "DAILY", "message": "You have reached your daily limit."},
        # named only by the message
        {"message": "You have reached your daily limit."},
    ],
)
def test_it_stops_on_the_daily_limit_until_midnight_in_the_account_zone(fields):
    error = classify(
        429, json.dumps({"status": "error", **fields}), tz=ZoneInfo("America/New_York")
    )
    assert isinstance(error, DailyLimitReached)
    assert not error.transient
    assert error.resets_at == datetime(2026, 11, 25, 5, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "zone", "resets_at"),
    [
        # UTC account, afternoon: tonight
        (
            datetime(2026, 11, 24, 15, 0, tzinfo=UTC),
            "UTC",
            datetime(2026, 11, 25, 0, 0, tzinfo=UTC),
        ),
        # Tokyo is already on the 25th at 15:00 UTC
        (
            datetime(2026, 11, 24, 15, 0, tzinfo=UTC),
            "Asia/Tokyo",
            datetime(2026, 11, 25, 15, 0, tzinfo=UTC),
        ),
        # one second after local midnight waits a whole day
        (
            datetime(2026, 11, 24, 0, 0, 1, tzinfo=UTC),
            "UTC",
            datetime(2026, 11, 25, 0, 0, tzinfo=UTC),
        ),
    ],
)
def test_it_computes_the_daily_reset(now, zone, resets_at):
    assert daily_reset(now, ZoneInfo(zone)) == resets_at
