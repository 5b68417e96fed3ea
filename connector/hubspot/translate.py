"""HubSpot's answers (the SDK's models, or plain JSON: sdk.PLAIN_ANSWERS and the email events)
as leadflow's own types. A plain answer lacking what leadflow reads is UnexpectedResponse,
as a model the SDK refuses is."""

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
from connector.hubspot.errors import UnexpectedResponse
from connector.hubspot.port import ItemError

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


def records_of(answer: Any, what: str) -> list[Mapping[str, Any]]:
    """The `results` objects of a plain JSON answer."""
    results = answer.get("results") if isinstance(answer, Mapping) else None
    if not isinstance(results, list) or not all(isinstance(r, Mapping) for r in results):
        raise UnexpectedResponse(f"{what} answer lacks results[] of objects")
    return results


def next_after(answer: Mapping[str, Any]) -> str | None:
    """The cursor of a plain JSON answer's next page (`paging.next.after`), None at the end."""
    paging = answer.get("paging")
    following = paging.get("next") if isinstance(paging, Mapping) else None
    after = following.get("after") if isinstance(following, Mapping) else None
    return str(after) if after not in (None, "") else None


def item_errors_of(answer: Mapping[str, Any]) -> list[ItemError]:
    """The inputs a batch answer (HTTP 207) says HubSpot refused."""
    return [
        ItemError(
            tuple(str(i) for i in _mapping(error.get("context")).get("ids", ())),
            str(error.get("message", "")),
            error.get("category"),
            error.get("status"),
        )
        for error in answer.get("errors") or ()
        if isinstance(error, Mapping)
    ]


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def contact_from(record: Mapping[str, Any]) -> Contact:
    """A `SimplePublicObject` of the contacts API, as plain JSON, as a Contact.

    Unset properties (null in HubSpot's answer) are left out; others are text, as
    the SDK's model makes them. `updated_at` is the `lastmodifieddate` property
    when it was asked for, the same clock that search filters and sorts on, else
    the record's `updatedAt`.
    """
    properties = record.get("properties")
    if record.get("id") in (None, "") or not isinstance(properties, Mapping):
        raise UnexpectedResponse("a contact in HubSpot's answer lacks its id or properties")
    if record.get("updatedAt") in (None, ""):
        raise UnexpectedResponse(f"contact {record['id']} in HubSpot's answer lacks updatedAt")
    kept = {str(k): str(v) for k, v in properties.items() if v is not None}
    try:
        updated_at = parse_time(kept.get(LAST_MODIFIED)) or parse_time(record["updatedAt"])
    except ValueError as error:
        raise UnexpectedResponse(f"contact {record['id']}: a time HubSpot sent: {error}") from error
    return Contact(
        id=str(record["id"]),
        properties=kept,
        updated_at=updated_at,
        archived=bool(record.get("archived")),
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


def activity_from_event(event: Mapping[str, Any]) -> Activity | None:
    """An `ExternalUnifiedEvent`, as plain JSON, as an Activity; None for event types
    leadflow ignores."""
    event_type = event.get("eventType")
    if not isinstance(event_type, str):
        raise UnexpectedResponse("an event in HubSpot's answer has no eventType")
    kind = EVENT_KINDS.get(event_type)
    if kind is None:
        return None
    properties = event.get("properties") or {}
    try:
        if event.get("id") in (None, "") or event.get("objectId") in (None, ""):
            raise ValueError("no id or objectId")
        if not isinstance(properties, Mapping):
            raise ValueError("properties is not an object")
        occurred_at = parse_time(event.get("occurredAt"))
        if occurred_at is None:
            raise ValueError("no occurredAt")
    except ValueError as error:
        raise UnexpectedResponse(f"an event in HubSpot's answer: {error!r}") from error
    details = {
        EVENT_DETAIL_NAMES.get(name, name): str(value)
        for name, value in properties.items()
        if value is not None
    }
    return Activity(
        contact_id=str(event["objectId"]),
        kind=kind,
        occurred_at=occurred_at,
        source_id=f"event:{event['id']}",
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
