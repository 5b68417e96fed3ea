"""Batch read / create / update / upsert / archive, their 207s and the 100-input limit."""

from __future__ import annotations

import pytest
from hubspot.crm.contacts import (
    ApiException,
    BatchInputSimplePublicObjectBatchInput,
    BatchInputSimplePublicObjectBatchInputForCreate,
    BatchInputSimplePublicObjectBatchInputUpsert,
    BatchInputSimplePublicObjectId,
    BatchReadInputSimplePublicObjectId,
    SimplePublicObjectBatchInput,
    SimplePublicObjectBatchInputForCreate,
    SimplePublicObjectBatchInputUpsert,
    SimplePublicObjectId,
)

from tests.integration.sandbox.helpers import add_contacts, error_body


def read(client, ids, **kwargs):
    request = BatchReadInputSimplePublicObjectId(
        inputs=[SimplePublicObjectId(id=i) for i in ids],
        properties=["email"],
        properties_with_history=[],
        **kwargs,
    )
    return client.crm.contacts.batch_api.read(request)


def test_it_reads_a_batch_and_reports_missing_ids_as_a_207(hub, client):
    ids = add_contacts(hub, 3)

    whole = read(client, ids)
    partial = client.crm.contacts.batch_api.read_with_http_info(
        BatchReadInputSimplePublicObjectId(
            inputs=[SimplePublicObjectId(id=ids[0]), SimplePublicObjectId(id="424242")],
            properties=["email"],
            properties_with_history=[],
        )
    )

    body, status, _ = partial
    assert sorted(r.id for r in whole.results) == sorted(ids)
    assert status == 207
    assert [r.id for r in body.results] == [ids[0]]
    assert body.num_errors == 1
    assert body.errors[0].category == "OBJECT_NOT_FOUND"
    assert body.errors[0].context == {"ids": ["424242"]}


def test_it_reads_a_batch_by_email(hub, client):
    ids = add_contacts(hub, 2)

    found = read(client, ["c1@bulk.test"], id_property="email")

    assert [r.id for r in found.results] == [ids[1]]


def test_it_creates_and_updates_in_batches(client):
    created = client.crm.contacts.batch_api.create(
        BatchInputSimplePublicObjectBatchInputForCreate(
            inputs=[
                SimplePublicObjectBatchInputForCreate(
                    properties={"email": f"n{i}@acme.test"}, associations=[]
                )
                for i in range(3)
            ]
        )
    )
    updated = client.crm.contacts.batch_api.update(
        BatchInputSimplePublicObjectBatchInput(
            inputs=[
                SimplePublicObjectBatchInput(id=record.id, properties={"jobtitle": "CTO"})
                for record in created.results
            ]
        )
    )

    assert len(created.results) == 3
    assert {r.properties["jobtitle"] for r in updated.results} == {"CTO"}


def test_it_upserts_by_email_creating_the_new_and_updating_the_known(hub, client):
    (known,) = add_contacts(hub, 1)

    upserted = client.crm.contacts.batch_api.upsert(
        BatchInputSimplePublicObjectBatchInputUpsert(
            inputs=[
                SimplePublicObjectBatchInputUpsert(
                    id=email, id_property="email", properties={"firstname": "Up"}
                )
                for email in ("c0@bulk.test", "fresh@acme.test")
            ]
        )
    )

    assert [r.new for r in upserted.results] == [False, True]
    assert upserted.results[0].id == known
    assert hub.state.contacts.get("fresh@acme.test", "email").props["firstname"] == "Up"


@pytest.mark.parametrize(
    ("size", "with_history", "allowed"),
    [
        (100, False, True),  # the documented maximum is accepted
        (101, False, False),  # one more is refused as a whole
        (51, True, False),  # property history lowers the maximum to 50
    ],
)
def test_it_enforces_the_batch_input_limits_as_hubspot_does(
    hub, client, size, with_history, allowed
):
    request = BatchReadInputSimplePublicObjectId(
        inputs=[SimplePublicObjectId(id=str(i)) for i in range(1, size + 1)],
        properties=["email"],
        properties_with_history=["lifecyclestage"] if with_history else [],
    )

    if allowed:
        assert client.crm.contacts.batch_api.read_with_http_info(request)[1] == 207
        return
    with pytest.raises(ApiException) as raised:
        client.crm.contacts.batch_api.read(request)
    assert raised.value.status == 400
    assert error_body(raised.value)["message"].startswith(
        "The maximum number of inputs supported in a batch request"
    )


def test_it_refuses_duplicate_ids_in_a_batch_update(hub, client):
    (contact,) = add_contacts(hub, 1)

    with pytest.raises(ApiException) as raised:
        client.crm.contacts.batch_api.update(
            BatchInputSimplePublicObjectBatchInput(
                inputs=[SimplePublicObjectBatchInput(id=contact, properties={"jobtitle": "x"})] * 2
            )
        )

    assert raised.value.status == 400
    assert "Duplicate IDs" in error_body(raised.value)["message"]


def test_it_archives_a_batch(hub, client):
    ids = add_contacts(hub, 2)

    client.crm.contacts.batch_api.archive(
        BatchInputSimplePublicObjectId(inputs=[SimplePublicObjectId(id=i) for i in ids])
    )

    assert client.crm.contacts.basic_api.get_page().results == []


def test_it_logs_each_batch_request_with_its_size(hub, client):
    ids = add_contacts(hub, 4)

    read(client, ids)

    (entry,) = [e for e in hub.request_log.entries if e.path.endswith("/batch/read")]
    assert (entry.method, entry.status, entry.batch_size) == ("POST", 200, 4)
