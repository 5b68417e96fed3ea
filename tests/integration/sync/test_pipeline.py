"""From a form submission to a decision written in HubSpot: webhooks, inbox, write-back."""

from __future__ import annotations

import pytest

from tests.live import Clock, live_connector

DECISION_MAKER = {
    "email": "dm@bigco.test",
    "firstname": "Dana",
    "jobtitle": "VP Marketing",
    "company": "BigCo",
    "hs_buying_role": "DECISION_MAKER",
    "budget": "50k_250k",
    "challenge": "We cannot see which campaigns produce pipeline.",
}


@pytest.fixture
def live(store):
    with live_connector(store, Clock()) as live:
        yield live


def test_a_contact_us_submission_ends_as_an_sql_written_back_with_one_call_task(live):
    live.submit_form("contact", DECISION_MAKER, page="/site/contact")
    live.settle()

    contact = live.hubspot_contact(
        "dm@bigco.test", "leadflow_score", "leadflow_reason", "hubspot_owner_id"
    )
    tasks = live.hubspot_tasks()
    assert contact["lifecyclestage"] == "salesqualifiedlead"
    assert float(contact["leadflow_score"]) >= 30
    assert "Asked to be contacted" in contact["leadflow_reason"]
    assert len(tasks) == 1
    assert tasks[0]["hs_task_type"] == "CALL"
    assert tasks[0]["hubspot_owner_id"] == contact["hubspot_owner_id"]


def test_redelivered_and_retried_webhooks_change_nothing(live):
    live.submit_form("contact", DECISION_MAKER, page="/site/contact")
    live.settle()
    delivered = list(live.hub.webhooks.emitted)
    inbox, outbox = live.store.inbox_depth(), live.store.outbox_depth()

    for attempt in (1, 2):
        live.hub.webhooks.emit([{**event, "attemptNumber": attempt} for event in delivered])
    sent_again = live.settle()

    assert len(delivered) >= 2
    assert live.store.inbox_depth() == inbox
    assert live.store.outbox_depth() == outbox
    assert sent_again == 0
    assert len(live.hubspot_tasks()) == 1


def test_a_privacy_deletion_erases_what_leadflow_knew_of_the_contact(live):
    live.submit_form("contact", DECISION_MAKER, page="/site/contact")
    live.settle()
    contact_id = live.hubspot_contact("dm@bigco.test")["hs_object_id"]
    assert live.store.contact_history(contact_id) is not None

    live.hubspot_privacy_delete(contact_id)
    live.settle()

    assert live.store.contact_history(contact_id) is None
    assert live.store.contact_history("dm@bigco.test") is None
    assert live.store.transitions_of(contact_id) == []
    assert live.store.list_outbox(["pending", "sending"], contact_id=contact_id) == []


def test_hubspot_echoing_leadflows_own_write_back_costs_no_second_read(live):
    live.submit_form("contact", DECISION_MAKER, page="/site/contact")
    live.settle()
    echoed = [e for e in live.hub.webhooks.emitted if e.get("propertyName") == "lifecyclestage"]
    contact_id = live.hubspot_contact("dm@bigco.test")["hs_object_id"]

    live.hubspot_update(contact_id, hs_lead_status="IN_PROGRESS")
    live.settle()

    reads = live.hub.request_log.count("POST", "/crm/v3/objects/contacts/batch/read")
    assert [e["propertyValue"] for e in echoed] == ["salesqualifiedlead"]
    # one read for the submission, none for the echo, one for the person's change
    assert reads == 2
