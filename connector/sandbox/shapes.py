"""HubSpot's wire shapes: times, error bodies, paging and batch envelopes.

Every JSON body the sandbox sends is built here or from these helpers, so a
shape is written once and checked against the official SDK's models once.
Times travel as ISO-8601 with milliseconds and `Z` [spec: `date-time`]; epoch
milliseconds are accepted wherever HubSpot accepts them (search filters,
`hs_timestamp`).
"""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime
from typing import Any

JsonObject = dict[str, Any]


def iso(ms: int) -> str:
    """Epoch milliseconds as HubSpot prints them: `2026-01-02T03:04:05.678Z`."""
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def parse_time(value: str | int) -> int:
    """Epoch milliseconds from either epoch-ms digits or an ISO-8601 string.

    Raises ValueError for anything else, so callers can answer 400.
    """
    text = str(value).strip()
    if text.lstrip("-").isdigit():
        return int(text)
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def correlation_id() -> str:
    return str(uuid.uuid4())


class ApiError(Exception):
    """An HTTP error answered with HubSpot's `Error` body [spec `Error`]."""

    def __init__(
        self,
        status_code: int,
        message: str,
        category: str,
        *,
        sub_category: str | None = None,
        context: dict[str, list[str]] | None = None,
        errors: list[JsonObject] | None = None,
        extra: JsonObject | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.body: JsonObject = {
            "status": "error",
            "message": message,
            "correlationId": correlation_id(),
            "category": category,
        }
        if sub_category:
            self.body["subCategory"] = sub_category
        if context:
            self.body["context"] = context
        if errors:
            self.body["errors"] = errors
        if extra:
            self.body.update(extra)


def validation_error(message: str, **kwargs: Any) -> ApiError:
    return ApiError(400, message, "VALIDATION_ERROR", **kwargs)


def not_found(message: str = "resource not found") -> ApiError:
    return ApiError(404, message, "OBJECT_NOT_FOUND")


def standard_error(message: str, category: str, context: dict[str, list[str]]) -> JsonObject:
    """One entry of a 207 response's `errors` [spec `StandardError`: all keys required]."""
    return {
        "status": "error",
        "category": category,
        "message": message,
        "context": context,
        "errors": [],
        "links": {},
    }


def encode_cursor(value: str) -> str:
    """An opaque `after` cursor, as HubSpot's list endpoints hand out."""
    return base64.urlsafe_b64encode(value.encode()).decode()


def decode_cursor(after: str) -> str:
    try:
        return base64.urlsafe_b64decode(after.encode()).decode()
    except (ValueError, UnicodeDecodeError) as error:
        raise validation_error(f"Invalid 'after' cursor: {after!r}") from error


def cursor_id(after: str | None) -> int:
    """The numeric id inside a list endpoint's `after` cursor (0 without one); 400 if malformed."""
    if not after:
        return 0
    text = decode_cursor(after)
    if not text.isdigit():
        raise validation_error(f"Invalid 'after' cursor: {after!r}")
    return int(text)


def paging(after: str | None, link: str | None = None) -> JsonObject:
    """`{"paging": {"next": ...}}` when there is a next page, else nothing [spec]."""
    if after is None:
        return {}
    nxt: JsonObject = {"after": after}
    if link:
        nxt["link"] = link
    return {"paging": {"next": nxt}}


def batch_envelope(
    results: list[JsonObject], errors: list[JsonObject], started_ms: int, completed_ms: int
) -> JsonObject:
    """`BatchResponse...` with `numErrors`/`errors` only when some inputs failed [spec]."""
    body: JsonObject = {
        "status": "COMPLETE",
        "results": results,
        "startedAt": iso(started_ms),
        "completedAt": iso(completed_ms),
    }
    if errors:
        body["numErrors"] = len(errors)
        body["errors"] = errors
    return body
