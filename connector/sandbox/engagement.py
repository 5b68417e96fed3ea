"""Recording what a contact did, and the roll-up properties HubSpot keeps in step.

Each function appends the fact to the right log (behavioural events or email
events, see docs/sandbox.md for the event type names and their confidence) and
updates the contact's roll-up properties through the store, so the property
changes reach webhook subscribers like any other write. Callers hold the
world lock. `keep_sorted=False` is for bulk loads that sort once at the end.
"""

from __future__ import annotations

from connector.sandbox.activity import EmailEvent, Event
from connector.sandbox.objects import Record
from connector.sandbox.shapes import iso, parse_time
from connector.sandbox.world import World

PAGE_VIEW = "e_visited_page"
FORM_SUBMISSION = "e_submitted_form"
WEBINAR_REGISTRATION = "e_registered_marketing_event"
WEBINAR_ATTENDANCE = "e_attended_marketing_event"
MEETING_BOOKED = "e_booked_meeting"
EVENT_TYPES = (PAGE_VIEW, FORM_SUBMISSION, WEBINAR_REGISTRATION, WEBINAR_ATTENDANCE, MEETING_BOOKED)
EMAIL_TYPES = ("SENT", "DELIVERED", "OPEN", "CLICK", "BOUNCE", "STATUSCHANGE")
VISIT_GAP_MS = 30 * 60 * 1000


def _count(record: Record, name: str) -> str:
    return str(int(float(record.props.get(name) or 0)) + 1)


def _is_later(record: Record, name: str, at_ms: int) -> bool:
    current = record.props.get(name)
    return not current or parse_time(current) <= at_ms


def page_view(
    world: World,
    record: Record,
    url: str,
    title: str,
    at_ms: int,
    *,
    referrer: str = "",
    keep_sorted: bool = True,
) -> Event:
    """A page view (`e_visited_page`); a gap of 30 minutes or more starts a new visit."""
    last = record.props.get("hs_analytics_last_visit_timestamp")
    new_visit = not last or at_ms - parse_time(last) >= VISIT_GAP_MS
    event = world.activity.record(
        record.id,
        PAGE_VIEW,
        at_ms,
        {"hs_url": url, "hs_title": title, "hs_referrer": referrer},
        keep_sorted=keep_sorted,
    )
    rollup = {"hs_analytics_num_page_views": _count(record, "hs_analytics_num_page_views")}
    if new_visit:
        rollup["hs_analytics_num_visits"] = _count(record, "hs_analytics_num_visits")
    if _is_later(record, "hs_analytics_last_visit_timestamp", at_ms):
        rollup["hs_analytics_last_visit_timestamp"] = iso(at_ms)
    world.contacts.apply(record, rollup, at_ms, source="ANALYTICS")
    return event


def form_submission(
    world: World,
    record: Record,
    form_id: str,
    form_name: str,
    at_ms: int,
    *,
    page_url: str = "",
    page_name: str = "",
    keep_sorted: bool = True,
) -> Event:
    """A form submission (`e_submitted_form`) and the conversion properties it moves.

    The conversion event name is "<page name>: <form name>" [unverified], as
    HubSpot shows conversions in a contact's timeline.
    """
    earlier = {
        e.props.get("hs_form_id")
        for e in world.activity.by_owner.get(record.id, ())
        if e.event_type == FORM_SUBMISSION
    }
    props = {
        "hs_form_id": form_id,
        "hs_form_title": form_name,
        "hs_url": page_url,
        "hs_title": page_name,
    }
    event = world.activity.record(record.id, FORM_SUBMISSION, at_ms, props, keep_sorted=keep_sorted)
    name = f"{page_name}: {form_name}" if page_name else form_name
    rollup = {"num_conversion_events": _count(record, "num_conversion_events")}
    if form_id not in earlier:
        rollup["num_unique_conversion_events"] = _count(record, "num_unique_conversion_events")
    if _is_later(record, "recent_conversion_date", at_ms):
        rollup.update(recent_conversion_event_name=name, recent_conversion_date=iso(at_ms))
    if not record.props.get("first_conversion_date"):
        rollup.update(first_conversion_event_name=name, first_conversion_date=iso(at_ms))
    world.contacts.apply(record, rollup, at_ms, source="FORM")
    return event


def marketing_event(
    world: World,
    record: Record,
    event_type: str,
    event_id: str,
    name: str,
    at_ms: int,
    *,
    keep_sorted: bool = True,
) -> Event:
    """A webinar registration or attendance (`e_registered_/e_attended_marketing_event`)."""
    props = {"hs_marketing_event_id": event_id, "hs_marketing_event_name": name}
    return world.activity.record(record.id, event_type, at_ms, props, keep_sorted=keep_sorted)


def meeting_booked(
    world: World, record: Record, title: str, url: str, at_ms: int, *, keep_sorted: bool = True
) -> Event:
    """A meeting booked through a meetings link (`e_booked_meeting`, an unverified name)."""
    event = world.activity.record(
        record.id,
        MEETING_BOOKED,
        at_ms,
        {"hs_meeting_title": title, "hs_url": url},
        keep_sorted=keep_sorted,
    )
    world.contacts.apply(
        record, {"engagements_last_meeting_booked": iso(at_ms)}, at_ms, source="MEETINGS"
    )
    return event


EMAIL_ROLLUPS = {
    "OPEN": ("hs_email_open", "hs_email_last_open_date"),
    "CLICK": ("hs_email_click", "hs_email_last_click_date"),
    "BOUNCE": ("hs_email_bounce", None),
}


def email_event(
    world: World,
    record: Record | None,
    recipient: str,
    event_type: str,
    campaign_id: int,
    at_ms: int,
    extra: dict[str, object] | None = None,
    *,
    keep_sorted: bool = True,
) -> EmailEvent:
    """An email event; opens, clicks, bounces and unsubscribes also move contact properties."""
    event = world.email_events.record(
        recipient, event_type, at_ms, campaign_id, extra, keep_sorted=keep_sorted
    )
    if record is None:
        return event
    rollup: dict[str, str] = {}
    counter, last = EMAIL_ROLLUPS.get(event_type, (None, None))
    if counter:
        rollup[counter] = _count(record, counter)
    if last and _is_later(record, last, at_ms):
        rollup[last] = iso(at_ms)
    if (
        event_type == "STATUSCHANGE"
        and (extra or {}).get("portalSubscriptionStatus") == "UNSUBSCRIBED"
    ):
        rollup["hs_email_optout"] = "true"
    if rollup:
        world.contacts.apply(record, rollup, at_ms, source="EMAIL")
    return event
