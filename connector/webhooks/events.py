"""Turning a webhook body into inbox events, or a precise reason to refuse it.

Two shapes arrive: the Webhooks API's JSON array of events, and a workflow
"Send a webhook" call carrying one contact. Validation is strict on the fields
leadflow relies on and tolerant of fields it does not know.
"""

from __future__ import annotations

import hashlib
import json
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


class BadPayload(Exception):
    """The body is not what HubSpot sends; `reason` says what is wrong, for the caller."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _load(body: bytes) -> Any:
    # Deeply nested input stops the C parser at the recursion limit after a few
    # kilobytes, so hostile nesting costs little and is refused like bad JSON.
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        raise BadPayload("body is not valid JSON") from None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


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
    if not (_is_int(object_id) or (isinstance(object_id, str) and object_id.isdigit())):
        raise BadPayload("body names no contact (objectId, vid or id)")
    digest = hashlib.sha256(body).hexdigest()[:32]
    return InboxEvent(
        identity=f"workflow:{object_id}:{digest}",
        subscription_type=WORKFLOW_SUBSCRIPTION,
        object_id=str(object_id),
        occurred_at=received_at,
        payload=data,
    )
