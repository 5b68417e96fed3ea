"""Search: filters, one sort, offsets, the 200 limit and the 10,000-result cap."""

from __future__ import annotations

import pytest
from hubspot.crm.contacts import ApiException, PublicObjectSearchRequest

from tests.integration.sandbox.helpers import add_contacts, error_body, search

JAN_1 = 1_767_225_600_000  # the frozen clock's start, 2026-01-01T00:00:00Z


def add(hub, clock, **properties):
    clock.advance(1_000)
    world = hub.state
    with world.lock:
        record = world.contacts.create({}, world.now())
        world.contacts.apply(record, properties, world.now())
    return str(record.id)


@pytest.fixture
def people(hub, clock):
    return {
        "ann": add(hub, clock, email="ann@acme.test", jobtitle="CEO", lifecyclestage="lead"),
        "bob": add(
            hub, clock, email="bob@acme.test", jobtitle="Engineer", lifecyclestage="subscriber"
        ),
        "cy": add(hub, clock, email="cy@other.test", lifecyclestage="marketingqualifiedlead"),
    }


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (
            [{"propertyName": "lastmodifieddate", "operator": "GT", "value": str(JAN_1 + 1_000)}],
            ["bob", "cy"],
        ),  # epoch ms
        (
            [
                {
                    "propertyName": "lastmodifieddate",
                    "operator": "GTE",
                    "value": "2026-01-01T00:00:02Z",
                }
            ],
            ["bob", "cy"],
        ),  # ISO
        (
            [{"propertyName": "lastmodifieddate", "operator": "LT", "value": str(JAN_1 + 2_000)}],
            ["ann"],
        ),
        (
            [{"propertyName": "lastmodifieddate", "operator": "LTE", "value": str(JAN_1 + 2_000)}],
            ["ann", "bob"],
        ),
        (
            [{"propertyName": "email", "operator": "EQ", "value": "BOB@acme.test"}],
            ["bob"],
        ),  # case-insensitive
        (
            [
                {
                    "propertyName": "lifecyclestage",
                    "operator": "IN",
                    "values": ["lead", "subscriber"],
                }
            ],
            ["ann", "bob"],
        ),
        ([{"propertyName": "jobtitle", "operator": "HAS_PROPERTY"}], ["ann", "bob"]),
        ([{"propertyName": "jobtitle", "operator": "NOT_HAS_PROPERTY"}], ["cy"]),
        (
            [{"propertyName": "hs_object_id", "operator": "GT", "value": "1"}],
            ["bob", "cy"],
        ),  # numeric id
    ],
)
def test_it_filters_by_operator_and_property_type(client, people, filters, expected):
    found = search(client, filters)

    assert [r.id for r in found.results] == [people[name] for name in expected]
    assert found.total == len(expected)


def test_it_ors_filter_groups_and_ands_filters_within_a_group(client, people):
    groups = [
        {"filters": [{"propertyName": "jobtitle", "operator": "EQ", "value": "CEO"}]},
        {
            "filters": [
                {
                    "propertyName": "lifecyclestage",
                    "operator": "EQ",
                    "value": "marketingqualifiedlead",
                },
                {"propertyName": "email", "operator": "CONTAINS_TOKEN", "value": "*other.test"},
            ]
        },
    ]

    found = search(client, groups=groups)

    assert [r.id for r in found.results] == [people["ann"], people["cy"]]


def test_it_sorts_descending_and_returns_the_default_properties(client, people):
    found = search(client, sorts=[{"propertyName": "lastmodifieddate", "direction": "DESCENDING"}])

    assert [r.id for r in found.results] == [people["cy"], people["bob"], people["ann"]]
    assert set(found.results[0].properties) == {
        "createdate",
        "email",
        "firstname",
        "hs_object_id",
        "lastmodifieddate",
        "lastname",
    }


def test_it_pages_with_numeric_offsets(client, people):
    first = search(client, limit=2)
    second = search(client, limit=2, after=first.paging.next.after)

    assert first.paging.next.after == "2"
    assert [r.id for r in first.results + second.results] == list(people.values())
    assert second.paging is None


def test_it_refuses_a_limit_above_200(client):
    with pytest.raises(ApiException) as raised:
        search(client, limit=201)

    assert raised.value.status == 400
    assert error_body(raised.value)["category"] == "VALIDATION_ERROR"


def test_it_never_finds_archived_contacts(hub, client, people):
    client.crm.contacts.basic_api.archive(people["ann"])

    assert people["ann"] not in [r.id for r in search(client).results]


def test_it_caps_a_query_at_10000_results_even_when_every_timestamp_is_equal(hub, client):
    """The frozen clock gives 10,050 contacts one lastmodifieddate: time cannot split them."""
    ids = add_contacts(hub, 10_050)
    since = [{"propertyName": "lastmodifieddate", "operator": "GTE", "value": str(JAN_1)}]

    last_page = search(client, since, limit=200, after="9800")
    with pytest.raises(ApiException) as raised:
        search(client, since, limit=200, after="10000")
    by_id = search(
        client,
        [*since, {"propertyName": "hs_object_id", "operator": "GT", "value": ids[9_999]}],
        limit=200,
        sorts=[{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
    )

    assert last_page.total == 10_050
    assert len(last_page.results) == 200
    assert last_page.paging.next.after == "10000"
    assert raised.value.status == 400
    assert error_body(raised.value)["category"] == "VALIDATION_ERROR"
    assert [r.id for r in by_id.results] == ids[10_000:]


def filters(count):
    return [{"propertyName": "email", "operator": "HAS_PROPERTY"}] * count


@pytest.mark.parametrize(
    ("request_body", "allowed"),
    [
        ({"filter_groups": [{"filters": filters(1)}] * 5}, True),  # 5 groups is the maximum
        ({"filter_groups": [{"filters": filters(1)}] * 6}, False),  # a sixth group is refused
        ({"filter_groups": [{"filters": filters(10)}]}, True),  # 10 filters in a group
        ({"filter_groups": [{"filters": filters(11)}]}, False),  # 11 are refused
        ({"filter_groups": [{"filters": filters(9)}] * 3}, False),  # 27 filters in total
        ({"sorts": ["email", "-createdate"]}, False),  # only one sort
        ({"query": "x" * 3001}, False),  # query text is at most 3000 characters
    ],
)
def test_it_enforces_hubspots_search_request_limits(client, request_body, allowed):
    request = PublicObjectSearchRequest(**request_body)

    if allowed:
        assert client.crm.contacts.search_api.do_search(request).total == 0
        return
    with pytest.raises(ApiException) as raised:
        client.crm.contacts.search_api.do_search(request)
    assert raised.value.status == 400
    assert error_body(raised.value)["category"] == "VALIDATION_ERROR"
