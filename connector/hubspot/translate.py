"""HubSpot's answers (the SDK's models, or the email events JSON) as leadflow's own types."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from connector.domain import Activity, ActivityKind, Contact, Owner
from connector.hubspot.constants import (
    EMAIL_EVENT_KINDS,
    EVENT_DETAIL_NAMES,
    EVENT_KINDS,
    HARD_BOUNCE_CATEGORY,
    LAST_MODIFIED,
    UNSUBSCRIBED_STATUS,
)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def parse_time(value: Any) -> datetime | None:
    """A HubSpot time (ISO-8601, epoch-ms digits or a datetime) as aware UTC; None if empty."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    text = str(value).strip()
    if text.lstrip("-").isdigit():
        return _EPOCH + timedelta(milliseconds=int(text))
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def contact_from(record: Any) -> Contact:
    """A `SimplePublicObject` of the contacts API as a Contact.

    Unset properties (null in HubSpot's answer) are left out. `updated_at` is
    the `lastmodifieddate` property when it was asked for, the same clock that
    search filters and sorts on, else the record's `updatedAt`.
    """
    properties = {k: v for k, v in (record.properties or {}).items() if v is not None}
    updated_at = parse_time(properties.get(LAST_MODIFIED)) or parse_time(record.updated_at)
    return Contact(
        id=str(record.id),
        properties=properties,
        updated_at=updated_at,
        archived=bool(record.archived),
    )


def owner_from(owner: Any) -> Owner:
    """A `PublicOwner` as an Owner."""
    return Owner(
        id=str(owner.id),
        email=owner.email or None,
        first_name=owner.first_name or None,
        last_name=owner.last_name or None,
        archived=bool(owner.archived),
    )


def activity_from_event(event: Any) -> Activity | None:
    """An `ExternalUnifiedEvent` as an Activity; None for event types leadflow ignores."""
    kind = EVENT_KINDS.get(event.event_type)
    if kind is None:
        return None
    details = {
        EVENT_DETAIL_NAMES.get(name, name): str(value)
        for name, value in (event.properties or {}).items()
        if value is not None
    }
    return Activity(
        contact_id=str(event.object_id),
        kind=kind,
        occurred_at=parse_time(event.occurred_at),
        source_id=f"event:{event.id}",
        details=details,
    )


def activity_from_email_event(event: Mapping[str, Any], contact_id: str) -> Activity | None:
    """One email events API item as an Activity; None for what leadflow does not score.

    Opens and clicks count; a bounce only when HubSpot files it as a hard
    bounce; a subscription change only when it unsubscribes.
    """
    kind = email_event_kind(event)
    if kind is None:
        return None
    details = {"email_id": str(event.get("emailCampaignId", ""))}
    if event.get("url"):
        details["url"] = str(event["url"])
    return Activity(
        contact_id=contact_id,
        kind=kind,
        occurred_at=parse_time(event.get("created")),
        source_id=f"email:{event['id']}",
        details=details,
    )


def email_event_kind(event: Mapping[str, Any]) -> ActivityKind | None:
    kind = EMAIL_EVENT_KINDS.get(str(event.get("type", "")))
    if kind is ActivityKind.HARD_BOUNCE and event.get("category") != HARD_BOUNCE_CATEGORY:
        return None
    if (
        kind is ActivityKind.UNSUBSCRIBED
        and event.get("portalSubscriptionStatus") != UNSUBSCRIBED_STATUS
    ):
        return None
    return kind
