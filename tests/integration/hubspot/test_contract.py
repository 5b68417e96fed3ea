"""One contract, two gateways: the FakeGateway other rooms test with behaves like the real one."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from connector.domain import Contact
from connector.hubspot import PropertyDefinition, PropertyGroup, TaskRequest
from connector.hubspot.fake import FakeGateway
from tests.integration.hubspot.world import add_contacts

T0 = datetime(2026, 1, 1, tzinfo=UTC)


class FakePortal:
    def __init__(self) -> None:
        self.gateway = FakeGateway(now=lambda: T0)
        self._ids = itertools.count(101)

    def add_contact(self, **properties: str) -> str:
        contact_id = str(next(self._ids))
        email = f"person{contact_id}@example.test"
        self.gateway.contacts[contact_id] = Contact(
            contact_id, {"email": email, **properties}, updated_at=T0
        )
        return contact_id


class SandboxPortal:
    def __init__(self, hub, gateway) -> None:
        self.hub, self.gateway = hub, gateway

    def add_contact(self, **properties: str) -> str:
        return add_contacts(self.hub, 1, **properties)[0]


@pytest.fixture(params=["sandbox", "fake"])
def portal(request):
    if request.param == "fake":
        return FakePortal()
    return SandboxPortal(request.getfixturevalue("hub"), request.getfixturevalue("gateway"))


def test_it_keeps_a_later_stage_and_says_so(portal):
    contact_id = portal.add_contact(lifecyclestage="salesqualifiedlead")
    outcome = portal.gateway.update_contacts({contact_id: {"lifecyclestage": "lead"}})
    assert outcome.updated == [contact_id]
    assert outcome.not_applied == {contact_id: {"lifecyclestage": "salesqualifiedlead"}}
    assert portal.gateway.read_contacts([contact_id]).contacts[0].stage == "salesqualifiedlead"


def test_it_reports_unknown_ids_instead_of_failing(portal):
    known = portal.add_contact()
    batch = portal.gateway.read_contacts([known, "999999"])
    assert ([c.id for c in batch.contacts], batch.missing) == ([known], ["999999"])
    outcome = portal.gateway.update_contacts({known: {"hs_lead_status": "NEW"}, "999999": {}})
    assert outcome.updated == [known]
    assert [(e.ids, e.category) for e in outcome.errors] == [(("999999",), "OBJECT_NOT_FOUND")]


def test_it_sends_one_email_per_send_id(portal):
    first = portal.gateway.send_email(1, "jane@example.test", "nurture-1-step1")
    again = portal.gateway.send_email(1, "jane@example.test", "nurture-1-step1")
    assert (first.send_result, again.send_result) == ("SENT", "IDEMPOTENT_IGNORE")
    assert first.accepted and again.accepted


def test_it_finds_a_task_by_key(portal):
    contact_id = portal.add_contact()
    task = TaskRequest("effect-1", contact_id, "Call", "Score 80", T0 + timedelta(days=1))
    task_id = portal.gateway.create_task(task)
    assert portal.gateway.find_task_by_key("effect-1") == task_id
    assert portal.gateway.find_task_by_key("effect-2") is None


def test_it_creates_a_batch_of_tasks_each_found_by_key(portal):
    contact_ids = [portal.add_contact() for _ in range(3)]
    tasks = [
        TaskRequest(f"effect-{c}", c, "Call", "Score 80", T0 + timedelta(days=1))
        for c in contact_ids
    ]
    created = portal.gateway.create_tasks(tasks)
    assert sorted(created) == sorted(t.key for t in tasks)
    assert len(set(created.values())) == 3
    assert all(portal.gateway.find_task_by_key(key) == i for key, i in created.items())


def test_it_creates_properties_once(portal):
    definitions = [PropertyDefinition("leadflow_score", "Score", "number", "number")]
    group = PropertyGroup("leadflow", "Leadflow")
    assert portal.gateway.ensure_properties(group, definitions) == ["leadflow_score"]
    assert portal.gateway.ensure_properties(group, definitions) == []
