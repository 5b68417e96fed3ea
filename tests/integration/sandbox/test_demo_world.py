"""A demo world read through the SDK: every record and event deserializes, roll-ups agree."""

from __future__ import annotations

from collections import Counter

import pytest

from connector.sandbox.testing import running_sandbox
from tests.integration.sandbox.helpers import FrozenClock, sdk_client


@pytest.fixture(scope="module")
def demo():
    with running_sandbox(contacts=300, seed=1, clock=FrozenClock(), rate_limit=10_000) as hub:
        yield hub, sdk_client(hub)


def all_pages(fetch):
    after, results = None, []
    while True:
        page = fetch(after)
        results += page.results
        if page.paging is None:
            return results
        after = page.paging.next.after


def test_every_demo_contact_and_event_deserializes_through_the_sdk(demo):
    hub, client = demo

    contacts = all_pages(
        lambda after: client.crm.contacts.basic_api.get_page(limit=100, after=after)
    )
    events = all_pages(
        lambda after: client.events.events_api.get_page(
            object_type="contact", limit=1000, after=after
        )
    )

    assert len(contacts) == 300
    assert len(events) == len(hub.state.activity.items)
    assert {e.event_type for e in events} >= {
        "e_visited_page",
        "e_submitted_form",
        "e_attended_marketing_event",
    }


def test_the_roll_up_properties_agree_with_the_recorded_activity(demo):
    hub, client = demo
    names = [
        "hs_analytics_num_page_views",
        "num_conversion_events",
        "hs_email_optout",
        "hs_email_bounce",
    ]

    contacts = all_pages(
        lambda after: client.crm.contacts.basic_api.get_page(
            limit=100, after=after, properties=names
        )
    )
    views = Counter(
        e.contact_id for e in hub.state.activity.items if e.event_type == "e_visited_page"
    )
    forms = Counter(
        e.contact_id for e in hub.state.activity.items if e.event_type == "e_submitted_form"
    )

    for contact in contacts:
        assert int(contact.properties["hs_analytics_num_page_views"] or 0) == views[int(contact.id)]
        assert int(contact.properties["num_conversion_events"] or 0) == forms[int(contact.id)]
    assert any(c.properties["hs_email_optout"] == "true" for c in contacts)
    assert any(c.properties["hs_email_bounce"] for c in contacts)


def test_it_assigns_leads_to_owners_the_owners_api_lists(demo):
    hub, client = demo

    owners = {o.id for o in client.crm.owners.owners_api.get_page().results}
    assigned = {r.props.get("hubspot_owner_id") for r in hub.state.contacts.records.values()} - {
        None
    }

    assert len(owners) == 4
    assert assigned <= owners
