"""HubSpot's failures as leadflow's own exception types.

Every error carries HubSpot's `message`, `category` and `correlationId` (quote
the last one to HubSpot support) and the HTTP status. `transient` tells a
caller whether the same request may succeed later: the gateway retries
transient errors itself, and the outbox dispatcher parks an effect whose error
is permanent. `DailyLimitReached` is neither: nothing will succeed before
`resets_at`, so a caller should stop work until then.

`error_from_response` is pure: it reads status, body and headers only, and
treats every field of the body as optional, as HubSpot's docs ask.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Any, ClassVar

from connector.hubspot.constants import (
    HEADER_INTERVAL_MS,
    HEADER_RETRY_AFTER,
    POLICY_DAILY,
    POLICY_SECONDLY,
    POLICY_TEN_SECONDLY,
    SEARCH_INTERVAL_SECONDS,
    Budget,
)

LOCKED_MIN_WAIT_SECONDS = 2.0  # 423 Locked: "wait at least 2 s" [2nd]
TEN_SECONDLY_WAIT_SECONDS = 10.0  # a full rolling window when HubSpot gives no hint


class HubSpotError(Exception):
    """A HubSpot call failed; `str()` is safe to log (no token, no request body)."""

    transient: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        category: str | None = None,
        correlation_id: str | None = None,
        sub_category: str | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.category = category
        self.correlation_id = correlation_id
        self.sub_category = sub_category
        self.context: Mapping[str, Any] = context or {}

    def __str__(self) -> str:
        facts = [
            f"status {self.status}" if self.status is not None else None,
            self.category,
            f"correlationId {self.correlation_id}" if self.correlation_id else None,
        ]
        described = ", ".join(fact for fact in facts if fact)
        return f"{self.message} ({described})" if described else self.message


class Transient(HubSpotError):
    """May succeed if tried again: 5xx, 423, 477, timeouts, dropped connections."""

    transient = True

    def __init__(self, message: str, *, retry_after: float | None = None, **facts: Any) -> None:
        super().__init__(message, **facts)
        self.retry_after = retry_after


class InDoubt(Transient):
    """A call HubSpot cannot deduplicate failed after it may have been carried out (a
    timeout, a dropped connection, a 5xx): the gateway does not repeat it blindly, and
    the caller looks for the result before trying again."""


class RateLimited(Transient):
    """429 for a short-window policy; `retry_after` is how long that policy asks to wait."""

    def __init__(self, message: str, *, policy: str, retry_after: float, **facts: Any) -> None:
        super().__init__(message, retry_after=retry_after, **facts)
        self.policy = policy


class DailyLimitReached(HubSpotError):
    """The portal's daily call budget is spent; no call can succeed before `resets_at`."""

    def __init__(self, message: str, *, resets_at: datetime, **facts: Any) -> None:
        super().__init__(message, **facts)
        self.resets_at = resets_at
        self.policy = POLICY_DAILY


class AuthError(HubSpotError):
    """401 (bad or expired token) or 403 (missing scopes)."""


class NotFound(HubSpotError):
    """404: the object or route does not exist."""


class ValidationError(HubSpotError):
    """400/422: HubSpot refused the request as written; resending it cannot help."""


class Conflict(HubSpotError):
    """409: the object already exists (a property, a group, a duplicate email)."""


class UnexpectedResponse(HubSpotError):
    """A 2xx answer the official SDK's models refuse: HubSpot and the SDK disagree."""


def error_from_response(
    status: int,
    body: str | bytes | None,
    headers: Mapping[str, str] | None,
    *,
    budget: Budget,
    now: datetime,
    account_timezone: tzinfo = UTC,
) -> HubSpotError:
    """The exception for one non-2xx answer of HubSpot."""
    fields = _parse_body(body)
    headers = _lowered(headers)
    facts: dict[str, Any] = {
        "status": status,
        "category": _text(fields.get("category")) or _text(fields.get("errorType")),
        "correlation_id": _text(fields.get("correlationId")),
        "sub_category": _text(fields.get("subCategory")),
        "context": fields.get("context") if isinstance(fields.get("context"), dict) else None,
    }
    message = _text(fields.get("message")) or _fallback_message(status, body)
    retry_after = _number(headers.get(HEADER_RETRY_AFTER.lower()))
    if status == 429:
        return _rate_limit_error(
            message, fields, headers, retry_after, budget, now, account_timezone, facts
        )
    if status in (401, 403):
        return AuthError(message, **facts)
    if status == 404:
        return NotFound(message, **facts)
    if status == 409:
        return Conflict(message, **facts)
    if status == 423:
        return Transient(
            message, retry_after=max(retry_after or 0, LOCKED_MIN_WAIT_SECONDS), **facts
        )
    if status in (408, 477) or status >= 500:
        return Transient(message, retry_after=retry_after, **facts)
    if status in (400, 422):
        return ValidationError(message, **facts)
    return HubSpotError(message, **facts)


def daily_reset(now: datetime, account_timezone: tzinfo) -> datetime:
    """Next midnight in the account's time zone, when HubSpot resets the daily count [doc]."""
    local = now.astimezone(account_timezone)
    midnight = datetime.combine(local.date() + timedelta(days=1), time(), tzinfo=account_timezone)
    return midnight.astimezone(UTC)


def _rate_limit_error(
    message: str,
    fields: Mapping[str, Any],
    headers: Mapping[str, str],
    retry_after: float | None,
    budget: Budget,
    now: datetime,
    account_timezone: tzinfo,
    facts: dict[str, Any],
) -> HubSpotError:
    policy = (_text(fields.get("policyName")) or "").upper()
    lowered = message.lower()
    if policy == POLICY_DAILY or (not policy and "daily limit" in lowered):
        return DailyLimitReached(message, resets_at=daily_reset(now, account_timezone), **facts)
    if not policy and (budget is Budget.SEARCH or "secondly limit" in lowered):
        policy = POLICY_SECONDLY
    if policy == POLICY_SECONDLY:
        default_wait = SEARCH_INTERVAL_SECONDS
    else:
        policy = policy or POLICY_TEN_SECONDLY
        interval_ms = _number(headers.get(HEADER_INTERVAL_MS.lower()))
        default_wait = interval_ms / 1000 if interval_ms else TEN_SECONDLY_WAIT_SECONDS
    return RateLimited(message, policy=policy, retry_after=retry_after or default_wait, **facts)


def _parse_body(body: str | bytes | None) -> Mapping[str, Any]:
    if not body:
        return {}
    try:
        parsed = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _fallback_message(status: int, body: str | bytes | None) -> str:
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    snippet = (body or "").strip()[:200]
    return f"HubSpot answered {status}" + (f": {snippet}" if snippet else "")


def _lowered(headers: Mapping[str, str] | None) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in (headers or {}).items()}


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def _number(value: str | None) -> float | None:
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None
    return seconds if seconds is not None and seconds >= 0 else None
