"""Single-send email: recorded sends, `sendId` idempotency, suppression and the status look-up."""

from __future__ import annotations

import pytest
from hubspot.marketing.transactional import PublicSingleSendEmail, PublicSingleSendRequestEgg

from connector.sandbox.testing import running_sandbox
from tests.integration.sandbox.helpers import sdk_client


def send(client, to="jane@acme.test", send_id="nurture-1-step1", email_id=1001, **extra):
    request = PublicSingleSendRequestEgg(
        email_id=email_id, message=PublicSingleSendEmail(to=to, send_id=send_id), **extra
    )
    return client.marketing.transactional.single_send_api.send_email(request)


def test_it_records_a_send_and_writes_the_contact_properties(hub, client, clock):
    status = send(client, contact_properties={"jobtitle": "CTO"}, custom_properties={"score": "72"})

    (recorded,) = hub.state.sends
    assert status.send_result == "SENT"
    assert (recorded.to, recorded.email_id, recorded.send_id) == (
        "jane@acme.test",
        1001,
        "nurture-1-step1",
    )
    assert recorded.requested_ms == clock.now_ms
    assert recorded.custom_properties == {"score": "72"}
    assert hub.state.contacts.get("jane@acme.test", "email").props["jobtitle"] == "CTO"


@pytest.mark.parametrize(
    ("second", "result"),
    [
        ({}, "IDEMPOTENT_IGNORE"),  # the same request again
        ({"to": "other@acme.test"}, "IDEMPOTENT_FAIL"),  # the same sendId for someone else
    ],
)
def test_it_sends_at_most_one_email_per_send_id(hub, client, second, result):
    first = send(client)

    again = send(client, **second)

    assert again.send_result == result
    assert again.status_id == first.status_id
    assert len(hub.state.sends) == 1


def test_it_does_not_send_to_an_unsubscribed_contact(hub, client):
    with hub.state.lock:
        record = hub.state.contacts.create({"email": "gone@acme.test"}, hub.state.now())
        hub.state.contacts.apply(record, {"hs_email_optout": "true"}, hub.state.now())

    status = send(client, to="gone@acme.test")

    assert status.send_result == "PREVIOUSLY_UNSUBSCRIBED_PORTAL"
    assert hub.state.sends == []


def test_it_answers_the_send_status_look_up(client):
    status = send(client)

    looked_up = client.api_request(
        {"method": "GET", "path": f"/marketing/v3/email/send-statuses/{status.status_id}"}
    ).json()

    assert looked_up["status"] == "COMPLETE"
    assert looked_up["sendResult"] == "SENT"


@pytest.mark.parametrize(
    "body",
    [
        {"message": {"to": "a@acme.test"}},  # no emailId
        {"emailId": 1001, "message": {}},  # no recipient
    ],
)
def test_it_rejects_a_send_missing_a_required_field(hub, client, body):
    answer = client.api_request(
        {"method": "POST", "path": "/marketing/v3/transactional/single-email/send", "body": body}
    )

    assert answer.status_code == 400
    assert answer.json()["category"] == "VALIDATION_ERROR"
    assert hub.state.sends == []


def test_it_is_exempt_from_the_rate_limit():
    with running_sandbox(rate_limit=1) as hub:
        client = sdk_client(hub)
        results = [send(client, send_id=f"s{i}").send_result for i in range(3)]

    assert results == ["SENT"] * 3
