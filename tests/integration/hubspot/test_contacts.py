"""Reading and writing contacts through the official SDK against the sandbox."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connector.hubspot import ContactBatch
from tests.integration.hubspot.world import add_contacts, archive

SEARCH = ("POST", "/crm/v3/objects/contacts/search")
BATCH_READ = ("POST", "/crm/v3/objects/contacts/batch/read")
BATCH_UPDATE = ("POST", "/crm/v3/objects/contacts/batch/update")


def since(frozen) -> datetime:
    return datetime.fromtimestamp(frozen() / 1000, UTC)


def changed_ids(gateway, start: datetime) -> list[str]:
    return [c.id for page in gateway.changed_contacts(start) for c in page]


def test_it_pages_through_changed_contacts_with_their_properties(hub, gateway, frozen):
    start = since(frozen)
    ids = add_contacts(hub, 450, step_ms=1, lifecyclestage="lead")
    pages = list(gateway.changed_contacts(start))
    seen = [c for page in pages for c in page]
    assert [c.id for c in seen] == ids
    assert [len(page) for page in pages] == [200, 199, 51]
    assert {c.stage for c in seen} == {"lead"}
    assert seen[0].email.endswith("@example.test")
    assert seen[0].updated_at == start
    assert hub.request_log.count(*SEARCH) == 3


def test_it_walks_past_10000_contacts_sharing_one_timestamp(hub, gateway, frozen):
    start = since(frozen)
    tied = add_contacts(hub, 10_100)
    frozen.advance(5)
    later = add_contacts(hub, 150)
    seen = changed_ids(gateway, start)
    assert len(seen) == len(set(seen)) == 10_250
    assert set(seen) == set(tied + later)
    # one search finds the tie, 51 pages drain it by id, one more reads the 150 after it
    assert hub.request_log.count(*SEARCH) == 53
    # the search budget (90% of 5/s) kept every one of them under the sandbox's limit
    assert hub.request_log.count(*SEARCH, status=429) == 0


def test_it_returns_only_contacts_changed_in_the_window(hub, gateway, frozen):
    add_contacts(hub, 3)
    frozen.advance(1000)
    start = since(frozen)
    recent = add_contacts(hub, 2)
    assert changed_ids(gateway, start) == recent


def test_it_leaves_archived_contacts_out_of_the_walk(hub, gateway, frozen):
    start = since(frozen)
    kept, gone = add_contacts(hub, 2, step_ms=1)
    archive(hub, gone)
    assert changed_ids(gateway, start) == [kept]


def test_it_reads_contacts_100_per_call_and_reports_missing_and_archived(hub, gateway):
    ids = add_contacts(hub, 250)
    archive(hub, ids[7])
    batch = gateway.read_contacts([*ids, "999999"])
    assert isinstance(batch, ContactBatch)
    assert sorted(c.id for c in batch.contacts) == sorted(ids)
    assert [c.id for c in batch.contacts if c.archived] == [ids[7]]
    assert batch.missing == ["999999"]
    # three reads of live contacts, one of the two ids not found among them
    assert hub.request_log.count(*BATCH_READ) == 4


def test_it_updates_contacts_100_per_call(hub, gateway):
    ids = add_contacts(hub, 230)
    outcome = gateway.update_contacts({i: {"hs_lead_status": "OPEN"} for i in ids})
    assert sorted(outcome.updated) == sorted(ids)
    assert outcome.errors == [] and outcome.not_applied == {}
    assert hub.request_log.count(*BATCH_UPDATE) == 3
    assert {c.properties["hs_lead_status"] for c in gateway.read_contacts(ids).contacts} == {"OPEN"}


def test_it_never_moves_a_lifecycle_stage_backwards(hub, gateway):
    [contact_id] = add_contacts(hub, 1, lifecyclestage="marketingqualifiedlead")
    outcome = gateway.update_contacts({contact_id: {"lifecyclestage": "lead"}})
    assert outcome.updated == [contact_id]
    assert outcome.not_applied == {contact_id: {"lifecyclestage": "marketingqualifiedlead"}}
    [contact] = gateway.read_contacts([contact_id]).contacts
    assert contact.stage == "marketingqualifiedlead"


def test_it_moves_a_lifecycle_stage_forwards(hub, gateway):
    [contact_id] = add_contacts(hub, 1, lifecyclestage="lead")
    outcome = gateway.update_contacts({contact_id: {"lifecyclestage": "salesqualifiedlead"}})
    assert outcome.not_applied == {}
    [contact] = gateway.read_contacts([contact_id]).contacts
    assert contact.stage == "salesqualifiedlead"


@pytest.mark.parametrize(
    ("bad", "category"),
    [
        # a value that is not one of the property's options
        ({"lifecyclestage": "prospect"}, "VALIDATION_ERROR"),
        # a property the portal does not have
        ({"leadflow_nonexistent": "1"}, "VALIDATION_ERROR"),
    ],
)
def test_it_reports_a_refused_batch_and_writes_the_others(hub, gateway, bad, category):
    ids = add_contacts(hub, 150)
    changes = {i: {"hs_lead_status": "OPEN"} for i in ids}
    changes[ids[120]] = bad
    outcome = gateway.update_contacts(changes)
    assert sorted(outcome.updated) == sorted(ids[:100])
    [error] = outcome.errors
    assert error.ids == tuple(ids[100:])
    assert (error.category, error.status) == (category, "400")
    assert error.message


def test_it_reports_contacts_that_do_not_exist(hub, gateway):
    ids = add_contacts(hub, 2)
    outcome = gateway.update_contacts({**{i: {"hs_lead_status": "NEW"} for i in ids}, "424242": {}})
    assert sorted(outcome.updated) == sorted(ids)
    [error] = outcome.errors
    assert (error.ids, error.category) == (("424242",), "OBJECT_NOT_FOUND")
