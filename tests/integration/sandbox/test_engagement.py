"""Activity read through the events API (SDK) and the email events API (`api_request`)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connector.sandbox import engagement
from tests.integration.sandbox.helpers import add_contacts, sdk_client

JAN_1 = 1_767_225_600_000


@pytest.fixture
def active(hub):
    """Two contacts: ann viewed two pages and submitted a form, bob opened and clicked an email."""
    ann, bob = add_contacts(hub, 2)
    world = hub.state
    with world.lock:
        a, b = world.contacts.get(ann), world.contacts.get(bob)
        engagement.page_view(world, a, "https://demo.test/blog/a", "Blog A", JAN_1 + 1_000)
        engagement.page_view(world, a, "https://demo.test/pricing", "Pricing", JAN_1 + 2_000)
        engagement.form_submission(
            world,
            a,
            "f-1",
            "Contact us form",
            JAN_1 + 3_000,
            page_url="https://demo.test/contact",
            page_name="Contact us",
        )
        engagement.email_event(world, b, "c1@bulk.test", "OPEN", 7, JAN_1 + 4_000)
        engagement.email_event(
            world, b, "c1@bulk.test", "CLICK", 7, JAN_1 + 5_000, {"url": "https://demo.test/ebook"}
        )
    return {"ann": ann, "bob": bob}


def test_it_pages_all_contacts_events_since_a_time_in_ascending_order(hub, client, active):
    seen, after = [], None
    while True:
        page = client.events.events_api.get_page(
            object_type="contact",
            occurred_after=datetime.fromtimestamp(JAN_1 / 1000 + 1, UTC),
            sort=["ASCENDING"],
            limit=1,
            after=after,
        )
        seen += [(e.event_type, e.properties.get("hs_url")) for e in page.results]
        if page.paging is None:
            break
        after = page.paging.next.after

    assert seen == [
        ("e_visited_page", "https://demo.test/pricing"),
        ("e_submitted_form", "https://demo.test/contact"),
    ]


def test_it_reads_one_contacts_events_newest_first(client, active):
    page = client.events.events_api.get_page(object_type="contact", object_id=int(active["ann"]))

    assert [e.event_type for e in page.results] == [
        "e_submitted_form",
        "e_visited_page",
        "e_visited_page",
    ]
    assert {e.object_id for e in page.results} == {active["ann"]}
    assert page.results[0].properties["hs_form_title"] == "Contact us form"


def test_it_keeps_the_contacts_roll_up_properties_in_step(hub, client, active):
    names = [
        "hs_analytics_num_page_views",
        "num_conversion_events",
        "recent_conversion_event_name",
        "hs_email_open",
        "hs_email_click",
    ]
    ann = client.crm.contacts.basic_api.get_by_id(active["ann"], properties=names).properties
    bob = client.crm.contacts.basic_api.get_by_id(active["bob"], properties=names).properties

    assert ann["hs_analytics_num_page_views"] == "2"
    assert ann["num_conversion_events"] == "1"
    assert ann["recent_conversion_event_name"] == "Contact us: Contact us form"
    assert (bob["hs_email_open"], bob["hs_email_click"]) == ("1", "1")


def test_it_lists_the_event_types_it_serves(client):
    names = client.events.events_api.get_types().event_types

    assert "e_visited_page" in names and "e_submitted_form" in names


def test_it_serves_email_events_newest_first_with_an_offset(hub, active):
    client = sdk_client(hub)
    query = {"recipient": "c1@bulk.test", "limit": 1}

    first = client.api_request(
        {"method": "GET", "path": "/email/public/v1/events", "qs": query}
    ).json()
    second = client.api_request(
        {
            "method": "GET",
            "path": "/email/public/v1/events",
            "qs": {**query, "offset": first["offset"]},
        }
    ).json()

    assert [e["type"] for e in first["events"] + second["events"]] == ["CLICK", "OPEN"]
    assert first["hasMore"] is True and second["hasMore"] is False
    assert first["events"][0]["url"] == "https://demo.test/ebook"
    assert first["events"][0]["created"] == JAN_1 + 5_000


def test_it_serves_a_contacts_webinar_participations_through_the_marketing_events_api(hub, client):
    (contact,) = add_contacts(hub, 1)
    world = hub.state
    with world.lock:
        record = world.contacts.get(contact)
        for kind, at in (
            (engagement.WEBINAR_REGISTRATION, 1_000),
            (engagement.WEBINAR_ATTENDANCE, 9_000),
        ):
            engagement.marketing_event(world, record, kind, "8001", "Scoring leads", JAN_1 + at)

    api = client.marketing.events.retrieve_participant_state_api
    everything = api.get_participations_breakdown_by_contact_id("c0@bulk.test")
    attended = api.get_participations_breakdown_by_contact_id(contact, state="ATTENDED")

    assert [p.properties.attendance_state for p in everything.results] == ["REGISTERED", "ATTENDED"]
    assert everything.total == 2
    assert attended.results[0].associations.marketing_event.name == "Scoring leads"
    assert attended.results[0].properties.occurred_at == JAN_1 + 9_000
