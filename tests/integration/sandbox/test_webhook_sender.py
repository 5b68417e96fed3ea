"""The webhook sender: HubSpot's payload, signatures the SDK accepts, batching and retries."""

from __future__ import annotations

import time

import pytest
from hubspot.crm.contacts import (
    PublicGdprDeleteInput,
    SimplePublicObjectInput,
    SimplePublicObjectInputForCreate,
)
from hubspot.utils.signature import Signature

from connector.sandbox.testing import running_sandbox
from tests.integration.sandbox.helpers import FrozenClock, Receiver, add_contacts, sdk_client


def sandbox_posting_to(receiver, **options):
    return running_sandbox(
        clock=FrozenClock(), webhook_url=receiver.url, webhook_backoff_s=0.01, **options
    )


def test_it_posts_a_creation_event_shaped_like_hubspots():
    with Receiver() as receiver, sandbox_posting_to(receiver) as hub:
        created = sdk_client(hub).crm.contacts.basic_api.create(
            SimplePublicObjectInputForCreate(properties={"email": "new@acme.test"})
        )
        assert hub.webhooks.drain(5)

    (event,) = receiver.requests[0]["events"]
    assert event == {
        "eventId": event["eventId"],
        "subscriptionId": 1,
        "portalId": hub.state.portal_id,
        "appId": 54321,
        "occurredAt": 1_767_225_600_000,
        "subscriptionType": "contact.creation",
        "attemptNumber": 0,
        "objectId": int(created.id),
        "changeSource": "API",
        "changeFlag": "NEW",
    }


def v3_valid(request, url, secret):
    headers = request["headers"]
    return Signature.is_valid(
        headers["x-hubspot-signature-v3"],
        secret,
        request["body"],
        http_uri=url,
        signature_version="v3",
        timestamp=headers["x-hubspot-request-timestamp"],
    )


def test_it_signs_every_request_so_the_sdks_helper_accepts_v3_and_v1():
    wall_clock = FrozenClock(time.time_ns() // 1_000_000)
    with (
        Receiver() as receiver,
        running_sandbox(clock=wall_clock, webhook_url=receiver.url, client_secret="s3cret") as hub,
    ):
        add_contacts(hub, 1)
        assert hub.webhooks.drain(5)

    request = receiver.requests[0]
    assert v3_valid(request, receiver.url, "s3cret")
    assert not v3_valid(request, receiver.url, "other-secret")
    assert Signature.is_valid(
        request["headers"]["x-hubspot-signature"], "s3cret", request["body"], signature_version="v1"
    )


def test_it_signs_with_the_worlds_clock_so_a_simulated_portal_is_fresh_in_its_own_time():
    clock = FrozenClock()
    with Receiver() as receiver, running_sandbox(clock=clock, webhook_url=receiver.url) as hub:
        clock.advance(14 * 86_400_000)
        add_contacts(hub, 1)
        assert hub.webhooks.drain(5)

    assert receiver.requests[0]["headers"]["x-hubspot-request-timestamp"] == str(clock())


def test_it_sends_property_changes_only_for_subscribed_properties():
    with (
        Receiver() as receiver,
        sandbox_posting_to(receiver, webhook_properties=("lifecyclestage",)) as hub,
    ):
        (contact,) = add_contacts(hub, 1)
        sdk_client(hub).crm.contacts.basic_api.update(
            contact,
            SimplePublicObjectInput(properties={"lifecyclestage": "lead", "jobtitle": "CTO"}),
        )
        assert hub.webhooks.drain(5)

    events = [e for r in receiver.requests for e in r["events"]]
    changes = [e for e in events if e["subscriptionType"] == "contact.propertyChange"]
    assert [(e["propertyName"], e["propertyValue"]) for e in changes] == [
        ("lifecyclestage", "lead")
    ]


def test_it_puts_at_most_100_events_in_one_request():
    events = [
        {"eventId": i, "subscriptionType": "contact.creation", "objectId": i} for i in range(250)
    ]
    with Receiver() as receiver, sandbox_posting_to(receiver) as hub:
        hub.webhooks.emit(events)
        assert hub.webhooks.drain(5)

    assert [len(r["events"]) for r in receiver.requests] == [100, 100, 50]
    assert [e["eventId"] for r in receiver.requests for e in r["events"]] == list(range(250))


@pytest.mark.parametrize(
    ("statuses", "attempts"),
    [
        ([503, 500, 200], [0, 1, 2]),  # server errors are retried until they succeed
        ([429, 200], [0, 1]),  # so is a 429
        ([404], [0]),  # 404 drops the batch
        ([400], [0]),  # so do 400,
        ([401], [0]),  # 401,
        ([403], [0]),  # 403
        ([405], [0]),  # and 405
        ([408, 200], [0, 1]),  # any other 4xx is retried
    ],
)
def test_it_retries_failed_deliveries_with_an_increasing_attempt_number(statuses, attempts):
    with Receiver(statuses) as receiver, sandbox_posting_to(receiver) as hub:
        add_contacts(hub, 1)
        assert hub.webhooks.drain(5)

    assert [r["events"][0]["attemptNumber"] for r in receiver.requests] == attempts
    assert len({r["events"][0]["eventId"] for r in receiver.requests}) == 1


def test_it_gives_up_after_the_last_retry():
    with (
        Receiver([500] * 10) as receiver,
        sandbox_posting_to(receiver, webhook_max_retries=2) as hub,
    ):
        add_contacts(hub, 1)
        assert hub.webhooks.drain(5)

    assert [r["events"][0]["attemptNumber"] for r in receiver.requests] == [0, 1, 2]


def test_it_sends_a_deletion_and_a_privacy_deletion():
    with Receiver() as receiver, sandbox_posting_to(receiver) as hub:
        client = sdk_client(hub)
        first, second = add_contacts(hub, 2)
        client.crm.contacts.basic_api.archive(first)
        client.crm.contacts.basic_api.purge(PublicGdprDeleteInput(object_id=second))
        assert hub.webhooks.drain(5)

    kinds = [(e["subscriptionType"], e["objectId"]) for r in receiver.requests for e in r["events"]]
    assert ("contact.deletion", int(first)) in kinds
    assert ("contact.privacyDeletion", int(second)) in kinds


def test_a_script_can_send_events_through_the_control_endpoint():
    with Receiver() as receiver, sandbox_posting_to(receiver) as hub:
        answer = sdk_client(hub).api_request(
            {
                "method": "POST",
                "path": "/_sandbox/webhooks",
                "body": [
                    {
                        "subscriptionType": "contact.propertyChange",
                        "objectId": 7,
                        "propertyName": "x",
                    }
                ],
            }
        )
        assert hub.webhooks.drain(5)

    assert answer.status_code == 202
    (event,) = receiver.requests[0]["events"]
    assert (event["objectId"], event["portalId"], event["attemptNumber"]) == (
        7,
        hub.state.portal_id,
        0,
    )
