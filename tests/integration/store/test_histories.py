"""Histories read by the million: in runs of ids, each contact once, activity intact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connector.domain import Activity, ActivityKind, Contact

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
PRICING = {"url": "https://example.com/pricing", "title": "Pricing"}


def fill(store, count: int) -> list[str]:
    """`count` contacts, each with two views of the same page; their ids in id order."""
    ids = [f"{300 + n}" for n in range(count)]
    with store.writing() as connection:
        for contact_id in ids:
            contact = Contact(contact_id, {"email": f"{contact_id}@x.com"}, NOW)
            store.save_contacts(connection, [(contact, {})], NOW)
            store.save_activities(
                connection,
                [
                    Activity(
                        contact_id,
                        ActivityKind.PAGE_VIEW,
                        NOW - timedelta(days=n, microseconds=n),
                        f"pv-{contact_id}-{n}",
                        PRICING,
                    )
                    for n in (2, 1)
                ],
            )
    return ids


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        # runs of two: the first id of each, the last run shorter
        (2, ["300", "302", "304"]),
        # a run larger than the store: one run from the smallest id
        (10, ["300"]),
        # runs of one: every id
        (1, ["300", "301", "302", "303", "304"]),
    ],
)
def test_it_cuts_the_contacts_into_runs_of_ids(store, size, expected) -> None:
    fill(store, 5)
    assert store.contact_id_cuts(size) == expected


def test_it_reads_a_run_of_ids_with_each_contacts_activity_oldest_first(store) -> None:
    ids = fill(store, 5)
    runs = [
        list(store.contact_histories(batch=1, start=start, stop=stop))
        for start, stop in ((None, "302"), ("302", "304"), ("304", None))
    ]
    assert [[contact.id for contact, _, _ in run] for run in runs] == [ids[:2], ids[2:4], ids[4:]]
    contact, history, recycled_at = runs[1][0]
    assert (contact.properties, contact.updated_at, recycled_at) == (
        {"email": "302@x.com"},
        NOW,
        None,
    )
    assert [(a.source_id, a.occurred_at, dict(a.details)) for a in history] == [
        ("pv-302-2", NOW - timedelta(days=2, microseconds=2), PRICING),
        ("pv-302-1", NOW - timedelta(days=1, microseconds=1), PRICING),
    ]


def test_it_never_lets_a_reader_change_the_details_activities_may_share(store) -> None:
    fill(store, 2)
    (_, [first, _], _), (_, [other, _], _) = store.contact_histories()
    assert first.details == other.details == PRICING
    with pytest.raises(TypeError):
        first.details["url"] = "https://example.com/changed"
