"""Contacts v3 through the official SDK: create, read, update, archive, and the error shapes."""

from __future__ import annotations

import pytest
from hubspot.crm.contacts import (
    ApiException,
    SimplePublicObjectInput,
    SimplePublicObjectInputForCreate,
)

from tests.integration.sandbox.helpers import error_body, sdk_client


def create(client, **properties):
    return client.crm.contacts.basic_api.create(
        SimplePublicObjectInputForCreate(properties=properties)
    )


def test_it_creates_a_contact_and_reads_it_by_id_and_by_email(client):
    created = create(client, email="jane@acme.test", firstname="Jane")

    by_id = client.crm.contacts.basic_api.get_by_id(created.id, properties=["email", "firstname"])
    by_email = client.crm.contacts.basic_api.get_by_id(
        "JANE@acme.test", id_property="email", properties=["firstname"]
    )

    assert created.id.isdigit()
    assert by_id.properties == {"email": "jane@acme.test", "firstname": "Jane"}
    assert by_email.id == created.id


def test_it_returns_null_for_requested_properties_that_are_unset_and_ignores_unknown_ones(client):
    created = create(client, email="a@acme.test")

    read = client.crm.contacts.basic_api.get_by_id(
        created.id, properties=["jobtitle", "no_such_thing"]
    )

    assert read.properties == {"jobtitle": None}


def test_it_moves_lastmodifieddate_on_every_write_even_one_that_changes_nothing(client, clock):
    created = create(client, email="a@acme.test", firstname="A")
    clock.advance(5_000)

    client.crm.contacts.basic_api.update(
        created.id, SimplePublicObjectInput(properties={"firstname": "A"})
    )
    read = client.crm.contacts.basic_api.get_by_id(
        created.id, properties=["lastmodifieddate", "hs_lastmodifieddate", "createdate"]
    )

    assert read.properties["lastmodifieddate"] == "2026-01-01T00:00:05.000Z"
    assert read.properties["hs_lastmodifieddate"] == "2026-01-01T00:00:05.000Z"
    assert read.properties["createdate"] == "2026-01-01T00:00:00.000Z"
    assert read.updated_at > read.created_at


def test_it_clears_a_value_written_as_empty_string(client):
    created = create(client, email="a@acme.test", jobtitle="CTO")

    client.crm.contacts.basic_api.update(
        created.id, SimplePublicObjectInput(properties={"jobtitle": ""})
    )

    assert client.crm.contacts.basic_api.get_by_id(
        created.id, properties=["jobtitle"]
    ).properties == {"jobtitle": None}


def test_it_answers_404_with_hubspots_error_body_for_an_unknown_contact(client):
    with pytest.raises(ApiException) as raised:
        client.crm.contacts.basic_api.get_by_id("999999")

    body = error_body(raised.value)
    assert raised.value.status == 404
    assert body["category"] == "OBJECT_NOT_FOUND"
    assert body["status"] == "error" and body["correlationId"] and body["message"]


@pytest.mark.parametrize(
    ("properties", "code"),
    [
        ({"no_such_property": "x"}, "PROPERTY_DOESNT_EXIST"),  # unknown property
        ({"createdate": "2020-01-01T00:00:00Z"}, "READ_ONLY_VALUE"),  # HubSpot sets it
        ({"lifecyclestage": "hot"}, "INVALID_OPTION"),  # not an enumeration option
    ],
)
def test_it_rejects_invalid_property_writes_with_a_validation_error_and_writes_nothing(
    client, properties, code
):
    created = create(client, email="a@acme.test", firstname="Kept")

    with pytest.raises(ApiException) as raised:
        client.crm.contacts.basic_api.update(
            created.id, SimplePublicObjectInput(properties={"firstname": "Lost", **properties})
        )

    body = error_body(raised.value)
    assert raised.value.status == 400
    assert body["category"] == "VALIDATION_ERROR"
    assert body["message"].startswith("Property values were not valid")
    assert [error["code"] for error in body["errors"]] == [code]
    assert client.crm.contacts.basic_api.get_by_id(
        created.id, properties=["firstname"]
    ).properties == {"firstname": "Kept"}


def test_it_refuses_a_second_contact_with_the_same_email_with_409(client):
    first = create(client, email="dup@acme.test")

    with pytest.raises(ApiException) as raised:
        create(client, email="DUP@acme.test")

    assert raised.value.status == 409
    assert error_body(raised.value)["message"] == f"Contact already exists. Existing ID: {first.id}"


def test_it_answers_401_with_hubspots_body_for_a_wrong_or_missing_token(hub):
    wrong = sdk_client(hub, token="not-the-token")

    with pytest.raises(ApiException) as raised:
        wrong.crm.contacts.basic_api.get_page()

    body = error_body(raised.value)
    assert raised.value.status == 401
    assert body["category"] == "INVALID_AUTHENTICATION"
    assert body["message"].startswith("Authentication credentials not found")


def test_it_archives_a_contact_so_reads_miss_it_and_archived_reads_find_it(client):
    created = create(client, email="gone@acme.test")

    client.crm.contacts.basic_api.archive(created.id)

    with pytest.raises(ApiException) as raised:
        client.crm.contacts.basic_api.get_by_id(created.id)
    archived = client.crm.contacts.basic_api.get_by_id(created.id, archived=True)
    assert raised.value.status == 404
    assert archived.archived is True and archived.archived_at is not None
