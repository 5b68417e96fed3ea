"""Properties API: the connector creates its own group and properties, then writes them."""

from __future__ import annotations

import pytest
from hubspot.crm.contacts import SimplePublicObjectInputForCreate
from hubspot.crm.properties import ApiException, PropertyCreate, PropertyGroupCreate

from tests.integration.sandbox.helpers import error_body


def score_property(name="leadflow_score", group="leadflow"):
    return PropertyCreate(
        name=name, label="Leadflow score", type="number", field_type="number", group_name=group
    )


def test_it_creates_a_group_and_a_property_that_contacts_can_then_hold(client):
    client.crm.properties.groups_api.create(
        "contacts", PropertyGroupCreate(name="leadflow", label="Leadflow")
    )

    created = client.crm.properties.core_api.create("contacts", score_property())
    contact = client.crm.contacts.basic_api.create(
        SimplePublicObjectInputForCreate(
            properties={"email": "s@acme.test", "leadflow_score": "72"}
        )
    )

    listed = client.crm.properties.core_api.get_all("contacts").results
    groups = client.crm.properties.groups_api.get_all("contacts").results
    assert created.name == "leadflow_score" and created.hubspot_defined is False
    assert "leadflow_score" in [p.name for p in listed]
    assert "leadflow" in [g.name for g in groups]
    assert contact.properties["leadflow_score"] == "72"


def test_it_reads_the_lifecycle_stage_options_in_funnel_order(client):
    stage = client.crm.properties.core_api.get_by_name("contacts", "lifecyclestage")

    assert [o.value for o in stage.options][:4] == [
        "subscriber",
        "lead",
        "marketingqualifiedlead",
        "salesqualifiedlead",
    ]


@pytest.mark.parametrize(
    ("group", "status"),
    [
        ("no_such_group", 400),  # a property needs an existing group
        ("contactinformation", 409),  # a second property with the same name conflicts
    ],
)
def test_it_refuses_a_property_it_cannot_create(client, group, status):
    client.crm.properties.core_api.create("contacts", score_property(group="contactinformation"))

    with pytest.raises(ApiException) as raised:
        client.crm.properties.core_api.create("contacts", score_property(group=group))

    assert raised.value.status == status
    assert error_body(raised.value)["status"] == "error"
