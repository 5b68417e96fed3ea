"""Reading activity: the event analytics API and the (legacy) email events API.

- `GET /events/v3/events/` [spec]: behavioural events of one contact
  (`objectType=contact&objectId=N`, or `objectProperty.email=...`) or of all
  contacts (no objectId), filtered by `eventType`, `occurredAfter` and
  `occurredBefore` (exclusive [unverified]), ordered by `sort` (default
  DESCENDING [unverified]), paged with `after`; `limit` 1..1000, default 100
  [unverified].
- `GET /events/v3/events/event-types` [spec]: the event type names served.
- `GET /marketing/v3/marketing-events/participations/contacts/{idOrEmail}/breakdown`
  [spec]: a contact's webinar registrations and attendances (`state`
  REGISTERED | ATTENDED, `limit` 1..100 default 10, `after`), oldest first.
- `GET /email/public/v1/events` [doc]: email events filtered by `recipient`,
  `eventType`, `campaignId`, `startTimestamp`/`endTimestamp` (epoch ms,
  inclusive), newest first, paged by the opaque `offset`; `limit` 1..1000,
  default 10.
"""

from __future__ import annotations

from itertools import islice

from flask import Blueprint, request

from connector.sandbox.activity import EmailEvent, Event, cursor_of, key_of
from connector.sandbox.engagement import EVENT_TYPES, WEBINAR_ATTENDANCE, WEBINAR_REGISTRATION
from connector.sandbox.shapes import (
    JsonObject,
    cursor_id,
    encode_cursor,
    iso,
    not_found,
    paging,
    parse_time,
    validation_error,
)
from connector.sandbox.web import int_arg, sandbox

blueprint = Blueprint("engagement", __name__)

CONTACT_TYPES = {"contact", "contacts", "0-1"}
LAST_SEQ = 2**62


def event_json(event: Event) -> JsonObject:
    """`ExternalUnifiedEvent` [spec]."""
    return {
        "objectType": "CONTACT",
        "objectId": str(event.contact_id),
        "eventType": event.event_type,
        "occurredAt": iso(event.occurred_ms),
        "id": f"sbx-{event.seq}",
        "properties": dict(event.props),
    }


def _moment(name: str, *, epoch_ms: bool = False) -> int | None:
    """A time parameter as epoch ms: ISO-8601 (events API) or epoch-ms digits (email events)."""
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        if epoch_ms and not raw.isdigit():
            raise ValueError(raw)
        return int(raw) if epoch_ms else parse_time(raw)
    except ValueError as error:
        kind = "epoch milliseconds" if epoch_ms else "an ISO-8601 date-time"
        raise validation_error(f"{name} must be {kind}; got {raw!r}") from error


def _contact_filter() -> int | None:
    """The contact whose events are asked for, None for all; 400 for other object types."""
    object_type = request.args.get("objectType")
    object_id = request.args.get("objectId")
    email = request.args.get("objectProperty.email")
    if object_type is None:
        if object_id or email:
            raise validation_error("objectType is required with objectId or objectProperty")
        return None
    if object_type.lower() not in CONTACT_TYPES:
        raise validation_error(f"The sandbox serves contact events only, not {object_type!r}")
    if email:
        record = sandbox().world.contacts.get(email, "email")
        return record.id if record else -1
    if object_id is None:
        return None
    if not object_id.isdigit():
        raise validation_error(f"objectId must be an integer; got {object_id!r}")
    return int(object_id)


@blueprint.get("/events/v3/events/")
@blueprint.get("/events/v3/events")
def list_events():
    limit = int_arg("limit", 100, 1, 1000)
    sort = request.args.get("sort", "DESCENDING").upper()
    if sort not in ("ASCENDING", "DESCENDING"):
        raise validation_error(f"sort must be ASCENDING or DESCENDING; got {sort!r}")
    descending = sort == "DESCENDING"
    after_ms, before_ms = _moment("occurredAfter"), _moment("occurredBefore")
    start = (after_ms, LAST_SEQ) if after_ms is not None else None
    end = (before_ms, 0) if before_ms is not None else None
    cursor = request.args.get("after")
    if cursor:
        key = key_of(cursor)
        if descending:
            end = min(end, key) if end else key
        else:
            start = max(start, key) if start else key
    event_type = request.args.get("eventType")
    world = sandbox().world
    with world.lock:
        contact = _contact_filter()
        scanned = world.activity.scan(owner=contact, start=start, end=end, descending=descending)
        chosen = (e for e in scanned if event_type in (None, e.event_type))
        page = list(islice(chosen, limit + 1))
    more = len(page) > limit
    page = page[:limit]
    body: JsonObject = {"results": [event_json(event) for event in page]}
    if more:
        body["paging"] = {"next": {"after": cursor_of(page[-1])}}
    return body


@blueprint.get("/events/v3/events/event-types")
def list_event_types():
    return {"eventTypes": list(EVENT_TYPES)}


def email_event_json(event: EmailEvent, portal_id: int, app_id: int) -> JsonObject:
    """One email event [doc: email events overview]."""
    return {
        "id": f"sbx-email-{event.seq}",
        "created": event.occurred_ms,
        "type": event.type,
        "recipient": event.recipient,
        "portalId": portal_id,
        "appId": app_id,
        "appName": "Batch",
        "emailCampaignId": event.campaign_id,
        **event.extra,
    }


@blueprint.get("/email/public/v1/events")
def list_email_events():
    limit = int_arg("limit", 10, 1, 1000)
    start_ms = _moment("startTimestamp", epoch_ms=True)
    end_ms = _moment("endTimestamp", epoch_ms=True)
    start = (start_ms, 0) if start_ms is not None else None
    end = (end_ms, LAST_SEQ) if end_ms is not None else None
    offset = request.args.get("offset")
    if offset:
        key = key_of(offset)
        end = min(end, key) if end else key
    recipient = (request.args.get("recipient") or "").lower() or None
    event_type = request.args.get("eventType")
    campaign = int_arg("campaignId", None, 0, 2**63)
    state = sandbox()
    world = state.world
    with world.lock:
        scanned = world.email_events.scan(owner=recipient, start=start, end=end, descending=True)
        chosen = (
            e for e in scanned if event_type in (None, e.type) and campaign in (None, e.campaign_id)
        )
        page = list(islice(chosen, limit + 1))
    more = len(page) > limit
    page = page[:limit]
    return {
        "events": [email_event_json(e, world.portal_id, state.options.app_id) for e in page],
        "hasMore": more,
        "offset": cursor_of(page[-1]) if page else (offset or ""),
    }


STATES = {WEBINAR_REGISTRATION: "REGISTERED", WEBINAR_ATTENDANCE: "ATTENDED"}


@blueprint.get("/marketing/v3/marketing-events/participations/contacts/<identifier>/breakdown")
def contact_participations(identifier: str):
    limit = int_arg("limit", 10, 1, 100)
    start = cursor_id(request.args.get("after"))
    state = request.args.get("state")
    world = sandbox().world
    with world.lock:
        record = world.contacts.get(identifier, "email" if "@" in identifier else None)
        if record is None:
            raise not_found()
        chosen = [
            e
            for e in world.activity.by_owner.get(record.id, ())
            if e.event_type in STATES and state in (None, STATES[e.event_type])
        ]
        contact = {
            "contactId": str(record.id),
            "email": record.props.get("email", ""),
            "firstname": record.props.get("firstname"),
            "lastname": record.props.get("lastname"),
        }
    page = chosen[start : start + limit]
    results = [
        {
            "id": f"sbx-{e.seq}",
            "createdAt": iso(e.occurred_ms),
            "properties": {"occurredAt": e.occurred_ms, "attendanceState": STATES[e.event_type]},
            "associations": {
                "marketingEvent": {
                    "marketingEventId": e.props.get("hs_marketing_event_id", ""),
                    "name": e.props.get("hs_marketing_event_name", ""),
                },
                "contact": contact,
            },
        }
        for e in page
    ]
    more = start + limit < len(chosen)
    return {
        "total": len(chosen),
        "results": results,
        **paging(encode_cursor(str(start + limit)) if more else None),
    }
