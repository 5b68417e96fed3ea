"""Searches served by the modified-time index answer exactly what a scan of every contact answers.

A second filter group that matches nobody changes no answer but makes the
sandbox scan every record (the index serves one group at most), so each query
is asked twice and both answers, page by page, must be the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from connector.sandbox.testing import RunningSandbox, running_sandbox
from tests.integration.sandbox.helpers import FrozenClock, sdk_client, search

T0 = 1_767_225_600_000
MODIFIED = "lastmodifieddate"
OTHER_THAN_LATER = {"propertyName": MODIFIED, "operator": "NEQ", "value": str(T0 + 30_000)}
TITLED = {"propertyName": "jobtitle", "operator": "HAS_PROPERTY"}
NOBODY = {"filters": [{"propertyName": "email", "operator": "EQ", "value": "nobody@none.test"}]}


def since(operator: str, offset_s: float, name: str = MODIFIED) -> dict:
    return {"propertyName": name, "operator": operator, "value": str(T0 + int(offset_s * 1000))}


def asc(name: str = MODIFIED) -> list[dict]:
    return [{"propertyName": name, "direction": "ASCENDING"}]


def desc(name: str = MODIFIED) -> list[dict]:
    return [{"propertyName": name, "direction": "DESCENDING"}]


@contextmanager
def seeded_hub() -> Iterator[RunningSandbox]:
    """80 contacts, four to a timestamp (one second apart); every third has a job title;
    five are archived, five written again later, three written back in time. The index
    sorts them at the first search (80 moves are too many to settle one by one)."""
    clock = FrozenClock(T0)
    with running_sandbox(clock=clock, search_rate_limit=10_000) as running:
        world = running.state
        with world.lock:
            records = []
            for index in range(80):
                clock.now_ms = T0 + (index // 4) * 1000
                title = {"jobtitle": "CEO"} if index % 3 == 0 else {}
                props = {"email": f"p{index}@index.test", **title}
                records.append(world.contacts.create(props, world.now()))
            for record in records[5:10]:
                world.contacts.archive(record, world.now())
            for record in records[20:25]:
                world.contacts.apply(record, {"firstname": "Later"}, T0 + 30_000)
            for record in records[40:43]:
                world.contacts.apply(record, {"firstname": "Earlier"}, T0 + 2_000)
        yield running


@pytest.fixture(scope="module")
def hub() -> Iterator[RunningSandbox]:
    """One seeded sandbox for the read-only queries below."""
    with seeded_hub() as running:
        yield running


def pages(client, groups: list[dict], **kwargs) -> list[tuple[int, list[str], str | None]]:
    """Every page of a query: (total, ids, next after)."""
    found, after = [], None
    while True:
        answer = search(client, groups=groups, after=after, **kwargs)
        following = answer.paging.next.after if answer.paging else None
        found.append((answer.total, [r.id for r in answer.results], following))
        if following is None:
            return found
        after = following


@pytest.mark.parametrize(
    ("filters", "sorts"),
    [
        ([since("GTE", 3)], asc()),  # the walk's lower bound, on a shared timestamp
        ([since("GT", 3)], asc()),  # strictly after a shared timestamp
        ([since("GTE", 2), since("LTE", 9)], asc()),  # the walk with an upper bound
        ([since("LT", 6)], desc()),  # newest first: ties stay in id order
        ([since("EQ", 2)], asc("hs_object_id")),  # the walk's drain of one timestamp
        ([since("EQ", 2), {"propertyName": "hs_object_id", "operator": "GT", "value": "9"}], None),  # noqa: E501
        (
            [{**since("BETWEEN", 4), "highValue": str(T0 + 11_000)}],
            desc(),
        ),  # BETWEEN takes both ends
        ([since("GTE", 0, "hs_lastmodifieddate")], desc("hs_lastmodifieddate")),  # the twin
        ([since("GTE", 1), TITLED], asc()),  # a filter the index does not answer
        ([since("GTE", 1), TITLED], desc()),  # the same, newest first
        ([since("GTE", 5)], None),  # a range without a sort: id order
        ([since("LTE", 9)], asc("email")),  # a range sorted by another property
        ([], desc()),  # no filter, newest first: the whole index in order
        ([], asc()),  # no filter, oldest first
        ([{**since("GTE", 0), "value": "2026-01-01T00:00:07Z"}], asc()),  # an ISO value
        ([since("GT", 100)], asc()),  # a range nothing is in
        ([since("GTE", 2), OTHER_THAN_LATER], desc()),  # NEQ on the indexed property
    ],
)
@pytest.mark.parametrize("limit", [3, 7])
def test_it_answers_like_a_full_scan(hub, filters, sorts, limit):
    client = sdk_client(hub)
    extra = {"sorts": sorts} if sorts else {}

    indexed = pages(client, [{"filters": filters}], limit=limit, **extra)
    scanned = pages(client, [{"filters": filters}, NOBODY], limit=limit, **extra)

    assert indexed == scanned
    assert indexed[0][0] == sum(len(ids) for _, ids, _ in indexed)


def test_it_answers_like_a_full_scan_while_contacts_change_between_pages():
    """Each page is asked of both right after one more contact was written (it moves to the
    end of the order), so the index settles a few moves at a time, not by rebuilding."""
    query = {"groups": [{"filters": [since("GTE", 1)]}], "sorts": asc(), "limit": 5}
    scan = {**query, "groups": [*query["groups"], NOBODY]}
    moved = []
    with seeded_hub() as hub:
        client, world = sdk_client(hub), hub.state
        for step, after in enumerate(("0", "5", "10", "15")):
            with world.lock:
                record = sorted(world.contacts.live(), key=lambda r: r.id)[12 + step]
                world.contacts.apply(record, {"lastname": f"Moved{step}"}, T0 + 40_000 + step)
            moved.append(str(record.id))
            indexed = search(client, after=after, **query)
            scanned = search(client, after=after, **scan)

            assert [r.id for r in indexed.results] == [r.id for r in scanned.results]
            assert indexed.total == scanned.total
        newest = search(client, groups=query["groups"], sorts=desc(), limit=4)

    assert [r.id for r in newest.results] == moved[::-1]
