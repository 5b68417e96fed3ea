"""Contacts' activity from the events and email events APIs, as leadflow's Activity."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from connector.domain import ActivityKind
from tests.integration.hubspot.world import add_contacts, did

EVENTS = ("GET", "/events/v3/events")
EMAIL_EVENTS = ("GET", "/email/public/v1/events")
BATCH_READ = ("POST", "/crm/v3/objects/contacts/batch/read")


def at(frozen, offset_ms: int = 0) -> datetime:
    return datetime.fromtimestamp((frozen() + offset_ms) / 1000, UTC)


def everything_a_lead_does(hub, contact_id: str, start_ms: int) -> None:
    did(hub, contact_id, "page_view", start_ms + 1, url="https://x.test/pricing", title="Pricing")
    did(hub, contact_id, "form_submission", start_ms + 2, form_id="f-1", form_name="Demo request")
    did(
        hub,
        contact_id,
        "marketing_event",
        start_ms + 3,
        event_type="e_attended_marketing_event",
        event_id="w-9",
        name="Scaling ops",
    )
    did(hub, contact_id, "meeting_booked", start_ms + 4, title="Intro", url="https://x.test/m")
    did(hub, contact_id, "email", start_ms + 5, type="SENT")
    did(hub, contact_id, "email", start_ms + 6, type="OPEN")
    did(hub, contact_id, "email", start_ms + 7, type="CLICK", extra={"url": "https://x.test/c"})
    did(hub, contact_id, "email", start_ms + 8, type="BOUNCE", extra={"category": "SOFT_BOUNCE"})
    did(hub, contact_id, "email", start_ms + 9, type="BOUNCE", extra={"category": "HARD_BOUNCE"})
    did(
        hub,
        contact_id,
        "email",
        start_ms + 10,
        type="STATUSCHANGE",
        extra={"portalSubscriptionStatus": "UNSUBSCRIBED"},
    )


def test_it_reads_every_kind_of_activity_across_all_contacts(hub, gateway, frozen):
    start = frozen()
    first, second = add_contacts(hub, 2)
    everything_a_lead_does(hub, first, start)
    did(hub, second, "page_view", start + 20, url="https://x.test/", title="Home")
    found = [a for page in gateway.activities_since(at(frozen)) for a in page]
    # one stream across both APIs, oldest first: a caller may checkpoint on a page's newest
    assert [a.occurred_at for a in found] == sorted(a.occurred_at for a in found)
    kinds = sorted((a.contact_id, a.kind) for a in found)
    assert kinds == sorted(
        [
            (first, ActivityKind.PAGE_VIEW),
            (first, ActivityKind.FORM_SUBMISSION),
            (first, ActivityKind.WEBINAR_ATTENDED),
            (first, ActivityKind.MEETING_BOOKED),
            (first, ActivityKind.EMAIL_OPEN),
            (first, ActivityKind.EMAIL_CLICK),
            (first, ActivityKind.HARD_BOUNCE),
            (first, ActivityKind.UNSUBSCRIBED),
            (second, ActivityKind.PAGE_VIEW),
        ]
    )
    by_kind = {a.kind: a for a in found if a.contact_id == first}
    assert by_kind[ActivityKind.PAGE_VIEW].details["url"] == "https://x.test/pricing"
    assert by_kind[ActivityKind.PAGE_VIEW].occurred_at == at(frozen, 1)
    assert by_kind[ActivityKind.FORM_SUBMISSION].details["form_name"] == "Demo request"
    assert by_kind[ActivityKind.WEBINAR_ATTENDED].details["event_name"] == "Scaling ops"
    assert by_kind[ActivityKind.EMAIL_CLICK].details == {
        "email_id": "77",
        "url": "https://x.test/c",
    }
    assert len({a.source_id for a in found}) == len(found)
    # one events page, one page per scored email type, one lookup of the recipient's contact
    assert hub.request_log.count(*EVENTS) == 1
    assert hub.request_log.count(*EMAIL_EVENTS) == 4
    assert hub.request_log.count(*BATCH_READ) == 1


def test_it_knows_recipients_from_contacts_it_has_read(hub, gateway, frozen):
    start = frozen()
    [contact_id] = add_contacts(hub, 1)
    did(hub, contact_id, "email", start + 1, type="OPEN")
    list(gateway.changed_contacts(at(frozen)))
    found = [a for page in gateway.activities_since(at(frozen)) for a in page]
    assert [(a.contact_id, a.kind) for a in found] == [(contact_id, ActivityKind.EMAIL_OPEN)]
    assert hub.request_log.count(*BATCH_READ) == 0


def test_it_pages_through_events_a_thousand_at_a_time(hub, gateway, frozen):
    start = frozen()
    [contact_id] = add_contacts(hub, 1)
    for n in range(2100):
        did(hub, contact_id, "page_view", start + n, url=f"https://x.test/{n}", title="Blog")
    found = [a for page in gateway.activities_since(at(frozen)) for a in page]
    assert len(found) == 2100
    assert [a.occurred_at for a in found] == sorted(a.occurred_at for a in found)
    assert hub.request_log.count(*EVENTS) == 3


def test_it_reads_email_events_oldest_first_across_pages_and_types(hub, gateway, frozen):
    start = frozen()
    [contact_id] = add_contacts(hub, 1)
    for n in range(2100):
        did(hub, contact_id, "email", start + 2 * n, type="OPEN")
        if n % 300 == 0:
            did(hub, contact_id, "email", start + 2 * n + 1, type="CLICK")
    found = [a for page in gateway.email_activities_since(at(frozen)) for a in page]
    assert [a.occurred_at for a in found] == sorted(a.occurred_at for a in found)
    assert [a.kind for a in found].count(ActivityKind.EMAIL_OPEN) == 2100
    assert [a.kind for a in found].count(ActivityKind.EMAIL_CLICK) == 7
    assert len({a.source_id for a in found}) == len(found)
    # three pages of opens, one page each for clicks, bounces and unsubscribes
    assert hub.request_log.count(*EMAIL_EVENTS) == 6


def test_it_keeps_to_the_time_window(hub, gateway, frozen):
    start = frozen()
    [contact_id] = add_contacts(hub, 1)
    for n in range(10):
        did(hub, contact_id, "page_view", start + n * 1000, url=f"https://x.test/{n}", title="P")
        did(hub, contact_id, "email", start + n * 1000, type="OPEN")
    window = gateway.activities_since(at(frozen, 3000), until=at(frozen, 5000))
    found = [a for page in window for a in page]
    assert sorted((a.kind, a.occurred_at) for a in found) == sorted(
        (kind, at(frozen, n * 1000))
        for n in (3, 4, 5)
        for kind in (ActivityKind.PAGE_VIEW, ActivityKind.EMAIL_OPEN)
    )


def test_it_reads_the_activity_of_a_few_contacts(hub, gateway, frozen):
    start = frozen()
    mine, other = add_contacts(hub, 2)
    everything_a_lead_does(hub, mine, start)
    everything_a_lead_does(hub, other, start)
    found = gateway.activities_of([mine], since=at(frozen) - timedelta(days=1))
    assert {a.contact_id for a in found} == {mine}
    assert len(found) == 8
    # its email address from one batch read, then one call to each API
    assert hub.request_log.count(*BATCH_READ) == 1
    assert hub.request_log.count(*EVENTS) == 1
    assert hub.request_log.count(*EMAIL_EVENTS) == 1


def test_it_reads_events_and_email_engagement_separately(hub, gateway, frozen):
    start = frozen()
    [contact_id] = add_contacts(hub, 1)
    everything_a_lead_does(hub, contact_id, start)
    events = {a.kind for page in gateway.event_activities_since(at(frozen)) for a in page}
    email = {a.kind for page in gateway.email_activities_since(at(frozen)) for a in page}
    assert events == {
        ActivityKind.PAGE_VIEW,
        ActivityKind.FORM_SUBMISSION,
        ActivityKind.WEBINAR_ATTENDED,
        ActivityKind.MEETING_BOOKED,
    }
    assert email == {
        ActivityKind.EMAIL_OPEN,
        ActivityKind.EMAIL_CLICK,
        ActivityKind.HARD_BOUNCE,
        ActivityKind.UNSUBSCRIBED,
    }
