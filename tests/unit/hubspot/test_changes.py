"""Walking changed contacts: every contact once, whatever the timestamps, in few searches."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from connector.domain import Contact
from connector.hubspot.changes import Condition, epoch_ms, walk_changes

T0 = datetime(2026, 1, 1, tzinfo=UTC)
OPERATORS = {
    "EQ": lambda a, b: a == b,
    "GT": lambda a, b: a > b,
    "GTE": lambda a, b: a >= b,
    "LTE": lambda a, b: a <= b,
}


class FakeSearch:
    """HubSpot's contact search in memory: numeric filters, one sort, ties in any order."""

    def __init__(self, stamps_ms: list[int], seed: int = 7) -> None:
        self.rows = {str(n + 1): stamp for n, stamp in enumerate(stamps_ms)}
        self.random = random.Random(seed)
        self.calls = 0

    def touch(self, contact_id: str, stamp_ms: int) -> None:
        self.rows[contact_id] = stamp_ms

    def __call__(self, filters: list[Condition], sort: str, limit: int):
        self.calls += 1
        values = {"lastmodifieddate": lambda i: epoch_ms(T0) + self.rows[i], "hs_object_id": int}
        matches = [
            i
            for i in self.rows
            if all(OPERATORS[f.operator](values[f.property](i), int(f.value)) for f in filters)
        ]
        self.random.shuffle(matches)  # HubSpot promises no order among equal sort keys
        matches.sort(key=values[sort])
        page = [
            Contact(id=i, updated_at=T0 + timedelta(milliseconds=self.rows[i]))
            for i in matches[:limit]
        ]
        return page, len(matches) > limit


def walk(search: FakeSearch, page_size: int, since=T0, until=None) -> list[Contact]:
    return [c for page in walk_changes(search, since, until, page_size) for c in page]


@pytest.mark.parametrize(
    ("stamps", "page_size", "most_searches"),
    [
        # distinct timestamps: each page repeats only the boundary contact (minimum: 20)
        (list(range(1000)), 50, 21),
        # pairs sharing a timestamp, at page boundaries too
        ([n // 2 for n in range(1000)], 50, 21),
        # clumps of 30 sharing a timestamp (an import): pages repeat part of a clump
        ([n // 30 for n in range(1000)], 50, 33),
        # one timestamp wider than a page: drained by id
        ([5] * 500 + list(range(6, 506)), 50, 23),
        # every contact at the same millisecond, as if past a 10,000-result cap
        ([0] * 1000, 50, 22),
        # an empty portal
        ([], 50, 1),
    ],
)
def test_it_yields_every_contact_exactly_once(stamps, page_size, most_searches):
    search = FakeSearch(stamps)
    seen = walk(search, page_size)
    assert len(seen) == len({c.id for c in seen}) == len(stamps)
    assert [c.updated_at for c in seen] == sorted(c.updated_at for c in seen)
    assert search.calls <= most_searches


def test_it_starts_at_since_and_stops_at_until():
    search = FakeSearch(list(range(100)))
    seen = walk(
        search, 10, since=T0 + timedelta(milliseconds=20), until=T0 + timedelta(milliseconds=29)
    )
    assert [epoch_ms(c.updated_at) - epoch_ms(T0) for c in seen] == list(range(20, 30))


def test_it_misses_nobody_when_contacts_change_during_the_walk():
    search = FakeSearch(list(range(300)))
    seen: list[Contact] = []
    for number, page in enumerate(walk_changes(search, T0, None, 25)):
        seen.extend(page)
        if number == 1:
            for contact in page[:10]:
                search.touch(contact.id, 10_000)
    assert {c.id for c in seen} == set(search.rows)
    assert len(seen) == 310


def test_it_refuses_a_contact_without_a_timestamp():
    def search(filters, sort, limit):
        return [Contact(id="1"), Contact(id="2")], True

    with pytest.raises(ValueError, match="contact 2 has no last-modified time"):
        walk(search, 2)
