"""CALL tasks for sales: created once, associated with the contact, found again by key."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connector.hubspot import TaskRequest, ValidationError
from connector.hubspot.bodies import task_marker
from tests.integration.hubspot.world import add_contacts

DUE = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


def call_task(contact_id: str, key: str = "transition-42:call", **overrides) -> TaskRequest:
    fields = dict(
        key=key,
        contact_id=contact_id,
        subject="Call Jane Doe (MQL)",
        body="Lead score 72; downloaded pricing guide",
        due_at=DUE,
        owner_id=None,
    )
    return TaskRequest(**{**fields, **overrides})


def test_it_creates_a_call_task_on_the_contact(hub, gateway):
    [contact_id] = add_contacts(hub, 1)
    task_id = gateway.create_task(call_task(contact_id))
    with hub.state.lock:
        task = hub.state.tasks.get(task_id)
        contact = hub.state.contacts.get(contact_id)
        assert task.props["hs_task_type"] == "CALL"
        assert task.props["hs_task_status"] == "NOT_STARTED"
        assert task.props["hs_task_priority"] == "HIGH"
        assert task.props["hs_task_subject"] == "Call Jane Doe (MQL)"
        assert task.props["hs_task_body"].startswith("Lead score 72; downloaded pricing guide")
        assert task.associations["contacts"] == {int(contact_id)}
        assert contact.associations["tasks"] == {int(task_id)}


def test_it_finds_a_task_by_its_key_so_a_retry_creates_no_duplicate(hub, gateway):
    [contact_id] = add_contacts(hub, 1)
    task_id = gateway.create_task(call_task(contact_id, key="transition-7:call"))
    gateway.create_task(call_task(contact_id, key="transition-8:call"))
    assert gateway.find_task_by_key("transition-7:call") == task_id
    assert gateway.find_task_by_key("transition-9:call") is None


def test_it_refuses_a_task_for_a_contact_that_does_not_exist(hub, gateway):
    with pytest.raises(ValidationError) as refused:
        gateway.create_task(call_task("424242"))
    assert refused.value.status == 400
    assert refused.value.correlation_id
    assert hub.request_log.count("POST", "/crm/v3/objects/tasks") == 1


def test_it_creates_150_tasks_in_two_batch_calls_each_found_again_by_key(hub, gateway):
    contact_ids = add_contacts(hub, 150)
    requests = [call_task(c, key=f"transition-{c}:call") for c in contact_ids]
    created = gateway.create_tasks(requests)
    assert hub.request_log.count("POST", "/crm/v3/objects/tasks/batch/create") == 2
    assert set(created) == {r.key for r in requests}
    with hub.state.lock:
        for request in requests:
            task = hub.state.tasks.get(created[request.key])
            assert task.associations["contacts"] == {int(request.contact_id)}
            assert task.props["hs_task_body"].endswith(task_marker(request.key))
    assert gateway.find_task_by_key(requests[0].key) == created[requests[0].key]
    assert gateway.find_task_by_key(requests[-1].key) == created[requests[-1].key]
