"""Nurture emails: one single send per sendId, whatever happens around it."""

from __future__ import annotations

import pytest

from connector.hubspot import ValidationError
from tests.integration.hubspot.world import add_contacts, did

SEND = ("POST", "/marketing/v3/transactional/single-email/send")


def sends(hub) -> list:
    with hub.state.lock:
        return list(hub.state.sends)


def test_it_sends_an_email_with_properties_for_the_template(hub, gateway):
    [contact_id] = add_contacts(hub, 1)
    to = hub.state.contacts.get(contact_id).props["email"]
    sent = gateway.send_email(12345678, to, "nurture-1-step2", {"lastname": "Doe"}, {"score": "72"})
    assert sent.accepted and sent.send_result == "SENT" and sent.status_id
    assert len(sends(hub)) == 1
    assert hub.state.contacts.get(contact_id).props["lastname"] == "Doe"


def test_it_sends_nothing_twice_for_the_same_send_id(hub, gateway):
    first = gateway.send_email(12345678, "jane@example.test", "nurture-7-step1")
    again = gateway.send_email(12345678, "jane@example.test", "nurture-7-step1")
    assert again.accepted and again.send_result == "IDEMPOTENT_IGNORE"
    assert again.status_id == first.status_id
    assert len(sends(hub)) == 1


def test_it_reports_a_recipient_who_unsubscribed(hub, gateway, frozen):
    [contact_id] = add_contacts(hub, 1)
    did(
        hub,
        contact_id,
        "email",
        frozen(),
        type="STATUSCHANGE",
        extra={"portalSubscriptionStatus": "UNSUBSCRIBED"},
    )
    to = hub.state.contacts.get(contact_id).props["email"]
    refused = gateway.send_email(12345678, to, "nurture-9-step3")
    assert not refused.accepted
    assert refused.send_result == "PREVIOUSLY_UNSUBSCRIBED_PORTAL"


def test_it_is_exempt_from_the_rate_budget(start_hub, connect, time_):
    hub = start_hub(rate_limit=1)
    gateway = connect(hub, rate_limit=1)
    for n in range(5):
        gateway.send_email(12345678, f"p{n}@example.test", f"nurture-{n}-step1")
    assert hub.request_log.count(*SEND, status=200) == 5
    assert hub.request_log.count(status=429) == 0
    assert time_.slept == []


def test_it_refuses_a_bad_address_without_retrying(hub, gateway):
    with pytest.raises(ValidationError):
        gateway.send_email(12345678, "not-an-address", "nurture-3-step1")
    assert hub.request_log.count(*SEND) == 1
