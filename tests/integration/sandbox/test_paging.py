"""List paging: `after` cursors visit every contact exactly once, and `paging` ends."""

from __future__ import annotations

import pytest
from hubspot.crm.contacts import ApiException

from tests.integration.sandbox.helpers import add_contacts


def test_it_pages_through_every_contact_exactly_once_and_then_stops(hub, client):
    ids = add_contacts(hub, 23)

    seen, after, pages = [], None, 0
    while True:
        page = client.crm.contacts.basic_api.get_page(limit=10, after=after)
        seen += [record.id for record in page.results]
        pages += 1
        if page.paging is None:
            break
        after = page.paging.next.after

    assert seen == ids
    assert pages == 3


def test_it_keeps_the_cursor_valid_when_records_are_archived_between_pages(hub, client):
    ids = add_contacts(hub, 6)
    first = client.crm.contacts.basic_api.get_page(limit=3)

    client.crm.contacts.basic_api.archive(ids[3])
    second = client.crm.contacts.basic_api.get_page(limit=3, after=first.paging.next.after)

    assert [r.id for r in second.results] == ids[4:]


def test_it_lists_archived_contacts_only_when_asked(hub, client):
    ids = add_contacts(hub, 3)
    client.crm.contacts.basic_api.archive(ids[1])

    live = client.crm.contacts.basic_api.get_page(limit=10)
    archived = client.crm.contacts.basic_api.get_page(limit=10, archived=True)

    assert [r.id for r in live.results] == [ids[0], ids[2]]
    assert [r.id for r in archived.results] == [ids[1]]


@pytest.mark.parametrize("limit", [0, 101])
def test_it_rejects_a_list_limit_outside_1_to_100(client, limit):
    with pytest.raises(ApiException) as raised:
        client.crm.contacts.basic_api.get_page(limit=limit)

    assert raised.value.status == 400


@pytest.mark.parametrize(
    "after",
    [
        "not-a-cursor",  # not base64 of anything sensible
        "bm90LWFuLWlk",  # base64 of "not-an-id"
    ],
)
def test_it_refuses_a_malformed_cursor_with_400(client, after):
    with pytest.raises(ApiException) as raised:
        client.crm.contacts.basic_api.get_page(after=after)

    assert raised.value.status == 400
