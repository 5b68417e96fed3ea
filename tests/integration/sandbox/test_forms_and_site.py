"""Form submissions (HubSpot's published endpoint) and the demo site's funnel walk."""

from __future__ import annotations

import pytest
import requests

from connector.sandbox.site import DEMO_FORMS
from connector.sandbox.testing import running_sandbox
from tests.integration.sandbox.helpers import FrozenClock, Receiver, sdk_client

CONTACT_US = DEMO_FORMS["contact"]


def submit(hub, form, fields, **context):
    return requests.post(
        f"{hub.base_url}/submissions/v3/integration/submit/{hub.state.portal_id}/{form.guid}",
        json={
            "fields": [{"objectTypeId": "0-1", "name": k, "value": v} for k, v in fields.items()],
            "context": {
                "pageUri": "https://demo.test/contact",
                "pageName": "Contact us",
                **context,
            },
        },
        timeout=5,
    )


def test_it_creates_the_contact_and_records_the_submission_as_activity(hub, client):
    fields = {
        "email": "dm@bigco.test",
        "hs_buying_role": "DECISION_MAKER",
        "budget": "50k_250k",
        "challenge": "Slow",
    }

    answer = submit(hub, CONTACT_US, fields)

    contact = client.crm.contacts.basic_api.get_by_id(
        "dm@bigco.test",
        id_property="email",
        properties=[
            "lifecyclestage",
            "budget",
            "challenge",
            "num_conversion_events",
            "recent_conversion_event_name",
        ],
    )
    events = client.events.events_api.get_page(object_type="contact", object_id=int(contact.id))
    assert answer.status_code == 200
    assert answer.json()["inlineMessage"] == "Thanks for submitting the form."
    assert contact.properties == {
        "lifecyclestage": "lead",
        "budget": "50k_250k",
        "challenge": "Slow",
        "num_conversion_events": "1",
        "recent_conversion_event_name": "Contact us: Contact us",
    }
    (event,) = events.results
    assert event.event_type == "e_submitted_form"
    assert event.properties["hs_form_id"] == CONTACT_US.guid
    assert event.properties["hs_url"] == "https://demo.test/contact"


def test_it_updates_a_known_contact_without_moving_its_stage_back(hub, client):
    submit(hub, CONTACT_US, {"email": "a@acme.test"})
    with hub.state.lock:
        record = hub.state.contacts.get("a@acme.test", "email")
        hub.state.contacts.apply(record, {"lifecyclestage": "salesqualifiedlead"}, hub.state.now())

    submit(hub, CONTACT_US, {"email": "a@acme.test", "jobtitle": "CFO"})

    assert record.props["lifecyclestage"] == "salesqualifiedlead"
    assert record.props["jobtitle"] == "CFO"
    assert record.props["num_conversion_events"] == "2"
    assert record.props["num_unique_conversion_events"] == "1"


@pytest.mark.parametrize(
    ("fields", "error_type"),
    [
        ({"firstname": "No email"}, "REQUIRED_FIELD"),  # email is required
        ({"email": "not-an-address"}, "INVALID_EMAIL"),  # and must look like one
        ({"email": "a@acme.test", "favourite_colour": "red"}, "FIELD_NOT_IN_FORM_DEFINITION"),
    ],
)
def test_it_rejects_an_invalid_submission_and_creates_nothing(hub, fields, error_type):
    answer = submit(hub, CONTACT_US, fields)

    assert answer.status_code == 400
    assert answer.json()["errors"][0]["errorType"] == error_type
    assert hub.state.contacts.records == {}


def test_it_answers_404_for_an_unknown_form(hub):
    answer = requests.post(
        f"{hub.base_url}/submissions/v3/integration/submit/{hub.state.portal_id}/no-such-form",
        json={"fields": []},
        timeout=5,
    )

    assert answer.status_code == 404


def test_a_form_submission_fires_the_webhooks_hubspot_would():
    with (
        Receiver() as receiver,
        running_sandbox(clock=FrozenClock(), webhook_url=receiver.url) as hub,
    ):
        submit(hub, CONTACT_US, {"email": "new@acme.test"})
        assert hub.webhooks.drain(5)

    kinds = [
        (e["subscriptionType"], e.get("propertyName"), e["changeSource"])
        for r in receiver.requests
        for e in r["events"]
    ]
    assert kinds[0] == ("contact.creation", None, "FORM")
    assert ("contact.propertyChange", "num_conversion_events", "FORM") in kinds
    assert ("contact.propertyChange", "recent_conversion_event_name", "FORM") in kinds


def test_a_visitor_walks_the_funnel_and_their_earlier_page_views_follow_them(hub):
    browser = requests.Session()
    for path in ("/site/blog/lead-scoring-101", "/site/pricing"):
        assert browser.get(hub.base_url + path, timeout=5).status_code == 200
    hutk = browser.cookies["hubspotutk"]

    submit(hub, DEMO_FORMS["webinar"], {"email": "walker@acme.test"}, hutk=hutk, pageName="Webinar")
    room = browser.get(hub.base_url + "/site/webinar/room", timeout=5)

    client = sdk_client(hub)
    contact = hub.state.contacts.get("walker@acme.test", "email")
    events = client.events.events_api.get_page(
        object_type="contact", object_id=contact.id, sort=["ASCENDING"]
    )
    assert "Done" in room.text
    assert [e.event_type for e in events.results] == [
        "e_visited_page",
        "e_visited_page",
        "e_submitted_form",
        "e_registered_marketing_event",
        "e_visited_page",
        "e_attended_marketing_event",
    ]
    assert events.results[1].properties["hs_title"] == "Pricing"


def test_the_site_pages_carry_forms_that_post_to_the_submission_endpoint(hub):
    page = requests.get(hub.base_url + "/site/contact", timeout=5).text

    assert f'data-guid="{CONTACT_US.guid}"' in page
    assert "/submissions/v3/integration/submit/" in page
    assert (
        'name="challenge"' in page and 'name="budget"' in page and 'name="hs_buying_role"' in page
    )
