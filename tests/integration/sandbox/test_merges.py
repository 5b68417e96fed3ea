"""Merging contacts through the SDK: the merged-away ids read the result, values and
activity of both end on it, and the webhook sender posts HubSpot's contact.merge event."""

from __future__ import annotations

import pytest
import requests
from hubspot.crm.contacts import (
    BatchReadInputSimplePublicObjectId,
    PublicMergeInput,
    SimplePublicObjectInputForCreate,
)

from connector.sandbox import engagement
from connector.sandbox.testing import running_sandbox
from tests.integration.sandbox.helpers import (
    FrozenClock,
    Receiver,
    sdk_client,
    search,
)
from tests.integration.sandbox.test_owners_tasks import call_task

JAN_1 = 1_767_225_600_000
READ = ["email", "hs_additional_emails", "hs_merged_object_ids", "lifecyclestage", "jobtitle"]
ROLLUPS = ["num_conversion_events", "recent_conversion_event_name", "first_conversion_event_name"]


def create(client, **properties) -> str:
    made = client.crm.contacts.basic_api.create(
        SimplePublicObjectInputForCreate(properties=properties)
    )
    return made.id


def merge(client, primary: str, other: str):
    return client.crm.contacts.basic_api.merge(
        PublicMergeInput(primary_object_id=primary, object_id_to_merge=other)
    )


@pytest.fixture
def pair(hub, client, clock):
    """ann (the primary, an MQL at Acme) and her old address (a lead with a phone number)."""
    ann = create(
        client, email="ann@acme.test", jobtitle="CMO", lifecyclestage="marketingqualifiedlead"
    )
    clock.advance(1_000)
    old = create(
        client, email="ann@home.test", jobtitle="Student", phone="555-0100", lifecyclestage="lead"
    )
    return ann, old


def test_it_merges_two_contacts_into_a_new_one_that_both_ids_read(hub, client, clock, pair):
    ann, old = pair
    clock.advance(5_000)

    merged = merge(client, ann, old)
    by_old = client.crm.contacts.basic_api.get_by_id(old, properties=READ)
    batch = client.crm.contacts.batch_api.read(
        BatchReadInputSimplePublicObjectId(
            inputs=[{"id": ann}, {"id": old}], properties=READ, properties_with_history=[]
        )
    )

    assert merged.id not in (ann, old)
    assert by_old.id == merged.id
    assert [r.id for r in batch.results] == [merged.id]
    assert by_old.properties == {
        "email": "ann@acme.test",
        "hs_additional_emails": "ann@home.test",
        "hs_merged_object_ids": f"{ann};{old}",
        "lifecyclestage": "marketingqualifiedlead",
        "jobtitle": "CMO",
    }
    assert int(merged.updated_at.timestamp() * 1000) == JAN_1 + 6_000


def test_it_keeps_the_primarys_id_when_told_to(clock):
    with running_sandbox(clock=clock, merge_new_id=False) as hub:
        client = sdk_client(hub)
        ann, old = create(client, email="ann@acme.test"), create(client, email="ann@home.test")

        merged = merge(client, ann, old)
        by_old = client.crm.contacts.basic_api.get_by_id(old, properties=READ)

    assert merged.id == by_old.id == ann
    assert by_old.properties["hs_merged_object_ids"] == old


def test_it_keeps_the_primarys_values_fills_the_gaps_and_keeps_the_later_stage(hub, client):
    ann = create(client, email="ann@acme.test", jobtitle="CMO", lifecyclestage="lead")
    old = create(client, email="ann@home.test", phone="555-0100", lifecyclestage="customer")

    merged = merge(client, ann, old)
    read = client.crm.contacts.basic_api.get_by_id(
        merged.id, properties=["jobtitle", "phone", "lifecyclestage"]
    )

    assert read.properties == {"jobtitle": "CMO", "phone": "555-0100", "lifecyclestage": "customer"}


def test_it_gives_the_result_the_activity_tasks_and_roll_ups_of_both(hub, client, clock, pair):
    ann, old = pair
    world = hub.state
    with world.lock:
        a, o = world.contacts.get(ann), world.contacts.get(old)
        engagement.form_submission(world, o, "f-ebook", "Ebook download", JAN_1 + 2_000)
        engagement.page_view(world, a, "https://demo.test/pricing", "Pricing", JAN_1 + 3_000)
        engagement.form_submission(world, a, "f-contact", "Contact us", JAN_1 + 4_000)
    task = client.crm.objects.tasks.basic_api.create(call_task(old, "1"))

    merged = merge(client, ann, old)
    events = client.events.events_api.get_page(
        object_type="contact", object_id=int(merged.id), sort=["ASCENDING"]
    )
    tasks = client.crm.associations.v4.basic_api.get_page("contacts", merged.id, "tasks")
    read = client.crm.contacts.basic_api.get_by_id(merged.id, properties=ROLLUPS)

    assert [e.event_type for e in events.results] == [
        "e_submitted_form",
        "e_visited_page",
        "e_submitted_form",
    ]
    assert {e.object_id for e in events.results} == {merged.id}
    assert [t.to_object_id for t in tasks.results] == [task.id]
    assert read.properties == {
        "num_conversion_events": "2",
        "recent_conversion_event_name": "Contact us",
        "first_conversion_event_name": "Ebook download",
    }


def test_it_finds_the_result_by_the_other_address_and_never_the_merged_away_contacts(
    hub, client, pair
):
    ann, old = pair

    merged = merge(client, ann, old)
    by_email = client.crm.contacts.basic_api.get_by_id("ann@home.test", id_property="email")
    found = search(client, [{"propertyName": "email", "operator": "HAS_PROPERTY"}])

    assert by_email.id == merged.id
    assert [r.id for r in found.results] == [merged.id]


def test_it_follows_a_merged_id_through_a_second_merge(hub, client, pair):
    ann, old = pair
    third = create(client, email="a.smith@acme.test")

    first = merge(client, ann, old)
    second = merge(client, third, old)
    read = client.crm.contacts.basic_api.get_by_id(ann, properties=READ)

    assert read.id == second.id
    assert read.properties["hs_merged_object_ids"] == f"{ann};{old};{third};{first.id}"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"primaryObjectId": "{only}"}, 400),  # objectIdToMerge is missing
        ({"primaryObjectId": "{only}", "objectIdToMerge": "999"}, 404),  # no such contact
        ({"primaryObjectId": "{only}", "objectIdToMerge": "{only}"}, 400),  # itself
    ],
)
def test_it_refuses_a_merge_it_cannot_do_and_changes_nothing(hub, client, body, status):
    only = create(client, email="only@acme.test")

    answer = requests.post(
        f"{hub.base_url}/crm/v3/objects/contacts/merge",
        json={name: value.format(only=only) for name, value in body.items()},
        headers={"Authorization": f"Bearer {hub.token}"},
        timeout=5,
    )

    assert answer.status_code == status
    assert answer.json()["status"] == "error"
    assert [str(i) for i in hub.state.contacts.records] == [only]
    assert hub.state.contacts.merged_into == {}


def test_it_posts_a_contact_merge_event_shaped_like_hubspots():
    with (
        Receiver() as receiver,
        running_sandbox(
            clock=FrozenClock(), webhook_url=receiver.url, webhook_backoff_s=0.01
        ) as hub,
    ):
        client = sdk_client(hub)
        ann = create(client, email="ann@acme.test", jobtitle="CMO")
        old = create(client, email="ann@home.test", phone="555-0100")
        assert hub.webhooks.drain(5)
        receiver.requests.clear()

        merged = merge(client, ann, old)
        assert hub.webhooks.drain(5)

    (event,) = [e for request in receiver.requests for e in request["events"]]
    assert event == {
        "eventId": event["eventId"],
        "subscriptionId": 4,
        "portalId": hub.state.portal_id,
        "appId": 54321,
        "occurredAt": 1_767_225_600_000,
        "subscriptionType": "contact.merge",
        "attemptNumber": 0,
        "objectId": int(ann),
        "changeSource": "API",
        "primaryObjectId": int(ann),
        "mergedObjectIds": [int(old)],
        "newObjectId": int(merged.id),
        "numberOfPropertiesMoved": 2,
    }
