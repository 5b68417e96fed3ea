"""Turning a webhook body into inbox events, or a precise reason to refuse it.

Two shapes arrive: the Webhooks API's JSON array of events, and a workflow
"Send a webhook" call carrying one contact. Validation is strict on the fields
leadflow relies on and tolerant of fields it does not know.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from typing import Any

from connector.store import InboxEvent

WORKFLOW_SUBSCRIPTION = "workflow.contact"
REQUIRED_FIELDS = (
    "eventId",
    "subscriptionId",
    "portalId",
    "occurredAt",
    "subscriptionType",
    "objectId",
)
# HubSpot's ids and times are 64-bit integers; anything larger is not HubSpot's.
MAX_ID = 2**63 - 1
# A NUL character written as \u0000 (an odd run of backslashes makes the escape real):
# PostgreSQL's JSON refuses it, so it would fail on every retry instead of being refused.
_NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


class BadPayload(Exception):
    """The body is not what HubSpot sends; `reason` says what is wrong, for the caller."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _load(body: bytes) -> Any:
    # Deeply nested input stops the C parser at the recursion limit after a few
    # kilobytes, so hostile nesting costs little and is refused like bad JSON.
    # NaN and Infinity are Python's extensions, not JSON (and no database stores them).
    try:
        data = json.loads(body, parse_constant=_not_json)
    except (ValueError, RecursionError):
        raise BadPayload("body is not valid JSON") from None
    if _NUL_ESCAPE.search(body):
        raise BadPayload("body holds a NUL character (\\u0000)")
    return data


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_ID


def _is_id(value: Any) -> bool:
    """A whole number or a string of ASCII digits, within HubSpot's 64 bits."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    return _is_int(value)


def _epoch_ms(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, tz=UTC)


def parse_batch(body: bytes) -> list[InboxEvent]:
    """Events of a Webhooks API delivery; the identity leaves out `attemptNumber`."""
    data = _load(body)
    if not isinstance(data, list) or not data:
        raise BadPayload("body must be a non-empty JSON array of events")
    events = []
    for index, item in enumerate(data):
        if not isinstance(item, dict):
            raise BadPayload(f"event {index} is not an object")
        missing = [name for name in REQUIRED_FIELDS if name not in item]
        if missing:
            raise BadPayload(f"event {index} lacks {', '.join(missing)}")
        for name in REQUIRED_FIELDS:
            valid = (
                isinstance(item[name], str) and 0 < len(item[name]) <= 64
                if name == "subscriptionType"
                else _is_int(item[name])
            )
            if not valid:
                raise BadPayload(f"event {index} has an invalid {name}")
        try:
            occurred_at = _epoch_ms(item["occurredAt"])
        except (OverflowError, OSError, ValueError):
            raise BadPayload(f"event {index} has an invalid occurredAt") from None
        identity = ":".join(
            str(item[k])
            for k in ("portalId", "subscriptionId", "eventId", "objectId", "occurredAt")
        )
        events.append(
            InboxEvent(
                identity=identity,
                subscription_type=item["subscriptionType"],
                object_id=str(item["objectId"]),
                occurred_at=occurred_at,
                payload=item,
            )
        )
    return events


def parse_workflow_call(body: bytes, received_at: datetime) -> InboxEvent:
    """The contact a workflow posted; a retry of the same body is the same event."""
    data = _load(body)
    if not isinstance(data, dict):
        raise BadPayload("body must be a JSON object describing one contact")
    properties = data.get("properties") if isinstance(data.get("properties"), dict) else {}
    object_id = next((data[k] for k in ("objectId", "vid", "id") if k in data), None)
    if object_id is None:
        object_id = properties.get("hs_object_id")
        object_id = object_id.get("value") if isinstance(object_id, dict) else object_id
    if not _is_id(object_id):
        raise BadPayload("body names no contact (objectId, vid or id)")
    digest = hashlib.sha256(body).hexdigest()[:32]
    return InboxEvent(
        identity=f"workflow:{int(object_id)}:{digest}",
        subscription_type=WORKFLOW_SUBSCRIPTION,
        object_id=str(int(object_id)),
        occurred_at=received_at,
        payload=data,
    )
