"""Owners (paged) and CALL tasks associated with a contact, through the SDK."""

from __future__ import annotations

import pytest
from hubspot.crm.objects.tasks import (
    ApiException,
    PublicObjectSearchRequest,
    SimplePublicObjectInputForCreate,
)

from tests.integration.sandbox.helpers import add_contacts, error_body


def add_owners(hub, count):
    with hub.state.lock:
        return [
            str(hub.state.add_owner(f"rep{i}@acme.test", "Rep", str(i)).id) for i in range(count)
        ]


def test_it_pages_owners_and_finds_one_by_email(hub, client):
    ids = add_owners(hub, 5)

    first = client.crm.owners.owners_api.get_page(limit=3)
    rest = client.crm.owners.owners_api.get_page(limit=3, after=first.paging.next.after)
    by_email = client.crm.owners.owners_api.get_page(email="rep4@acme.test")

    assert [o.id for o in first.results + rest.results] == ids
    assert rest.paging is None
    assert [o.id for o in by_email.results] == [ids[4]]
    assert client.crm.owners.owners_api.get_by_id(int(ids[0])).email == "rep0@acme.test"


def call_task(contact_id, owner_id, type_id=204):
    return SimplePublicObjectInputForCreate(
        properties={
            "hs_timestamp": "2026-11-24T15:00:00Z",
            "hs_task_subject": "Call Jane Doe (MQL)",
            "hs_task_body": "Lead score 72",
            "hs_task_type": "CALL",
            "hs_task_status": "NOT_STARTED",
            "hs_task_priority": "HIGH",
            "hubspot_owner_id": owner_id,
        },
        associations=[
            {
                "to": {"id": contact_id},
                "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}],
            }
        ],
    )


def test_it_creates_a_call_task_associated_with_a_contact_and_finds_it_again(hub, client):
    (contact,) = add_contacts(hub, 1)
    (owner,) = add_owners(hub, 1)

    task = client.crm.objects.tasks.basic_api.create(call_task(contact, owner))
    read = client.crm.objects.tasks.basic_api.get_by_id(
        task.id, properties=["hs_task_type", "hs_timestamp"], associations=["contacts"]
    )
    found = client.crm.objects.tasks.search_api.do_search(
        PublicObjectSearchRequest(
            filter_groups=[
                {
                    "filters": [
                        {"propertyName": "hubspot_owner_id", "operator": "EQ", "value": owner}
                    ]
                }
            ]
        )
    )
    linked = client.crm.associations.v4.basic_api.get_page("contacts", contact, "tasks")

    assert read.properties == {"hs_task_type": "CALL", "hs_timestamp": "2026-11-24T15:00:00.000Z"}
    assert [a.id for a in read.associations["contacts"].results] == [contact]
    assert [r.id for r in found.results] == [task.id]
    assert [r.to_object_id for r in linked.results] == [task.id]


def test_it_refuses_a_task_associated_with_an_unknown_contact_and_creates_nothing(hub, client):
    with pytest.raises(ApiException) as raised:
        client.crm.objects.tasks.basic_api.create(call_task("999999", "1"))

    assert raised.value.status == 400
    assert error_body(raised.value)["category"] == "VALIDATION_ERROR"
    assert hub.state.tasks.records == {}
