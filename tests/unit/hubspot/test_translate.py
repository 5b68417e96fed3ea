"""HubSpot's values as leadflow's: times to the millisecond, events to activity kinds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connector.domain import ActivityKind, Contact
from connector.hubspot.activity import Recipients
from connector.hubspot.errors import UnexpectedResponse
from connector.hubspot.port import ItemError
from connector.hubspot.translate import (
    activity_from_event,
    contact_from,
    email_event_kind,
    item_errors_of,
    next_after,
    parse_time,
    records_of,
)

MS = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # HubSpot's own format
        ("2026-01-02T03:04:05.678Z", MS),
        # epoch milliseconds, exactly (no float rounding)
        ("1767323045678", MS),
        # an explicit offset
        ("2026-01-02T04:04:05.678+01:00", MS),
        # a datetime the SDK already parsed, without a zone
        (datetime(2026, 1, 2, 3, 4, 5, 678000), MS),
        # an unset property
        ("", None),
        (None, None),
    ],
)
def test_it_parses_hubspot_times(value, expected):
    assert parse_time(value) == expected


def test_it_keeps_every_millisecond_of_epoch_values():
    stamps = [parse_time(str(1767323045000 + n)) for n in range(1000)]
    assert [s - stamps[0] for s in stamps] == [timedelta(milliseconds=n) for n in range(1000)]
    assert stamps[0].tzinfo == UTC


@pytest.mark.parametrize(
    ("event", "kind"),
    [
        # opens and clicks count
        ({"type": "OPEN"}, ActivityKind.EMAIL_OPEN),
        ({"type": "CLICK", "url": "https://x.test"}, ActivityKind.EMAIL_CLICK),
        # only a hard bounce says the address is dead
        ({"type": "BOUNCE", "category": "HARD_BOUNCE"}, ActivityKind.HARD_BOUNCE),
        ({"type": "BOUNCE", "category": "SOFT_BOUNCE"}, None),
        # an unsubscribe, not a re-subscribe
        (
            {"type": "STATUSCHANGE", "portalSubscriptionStatus": "UNSUBSCRIBED"},
            ActivityKind.UNSUBSCRIBED,
        ),
        ({"type": "STATUSCHANGE", "portalSubscriptionStatus": "SUBSCRIBED"}, None),
        # sending and delivery are not engagement
        ({"type": "SENT"}, None),
        ({"type": "DELIVERED"}, None),
    ],
)
def test_it_scores_only_engaging_email_events(event, kind):
    assert email_event_kind(event) is kind


class Directory:
    """Contacts by address, counting look-ups like batch reads by email."""

    def __init__(self, count: int) -> None:
        self.contacts = {
            f"p{n}@x.test": Contact(str(n), {"email": f"p{n}@x.test"}) for n in range(count)
        }
        self.lookups: list[int] = []

    def __call__(self, addresses):
        self.lookups.append(len(addresses))
        return [self.contacts[a] for a in addresses if a in self.contacts]


def test_it_looks_up_unknown_recipients_100_at_a_time_and_only_once():
    directory = Directory(250)
    recipients = Recipients(directory, chunk=100)
    recipients.remember([directory.contacts["p0@x.test"]])
    wanted = [f"P{n}@x.test" for n in range(250)] + ["nobody@x.test"]
    resolved = recipients.resolve(wanted)
    assert len(resolved) == 250 and resolved["p7@x.test"] == "7"
    assert directory.lookups == [100, 100, 50]
    recipients.resolve(wanted)
    assert directory.lookups == [100, 100, 50]
    assert recipients.email_of("42") == "p42@x.test"


def test_a_contact_answer_becomes_a_contact_with_text_properties_and_no_nulls():
    contact = contact_from(
        {
            "id": 101,
            "properties": {
                "email": "Jane@x.test",
                "num_conversion_events": 3,
                "company": None,
                "lastmodifieddate": "2026-01-02T03:04:05.678Z",
            },
            "updatedAt": "2025-01-01T00:00:00Z",
            "archived": False,
        }
    )
    assert contact == Contact(
        "101",
        {
            "email": "Jane@x.test",
            "num_conversion_events": "3",
            "lastmodifieddate": "2026-01-02T03:04:05.678Z",
        },
        MS,
    )


@pytest.mark.parametrize(
    "record",
    [
        {"properties": {"email": "a@x.test"}},
        {"id": "1", "properties": "email=a@x.test"},
        {"id": "1", "properties": {"lastmodifieddate": "yesterday"}, "updatedAt": "2026-01-02"},
        {"id": "1", "properties": {}},
    ],
)
def test_a_contact_answer_lacking_what_leadflow_reads_is_unexpected(record):
    with pytest.raises(UnexpectedResponse):
        contact_from(record)


def test_an_event_answer_becomes_an_activity_and_an_ignored_type_nothing():
    event = {
        "eventType": "e_visited_page",
        "objectId": 101,
        "id": "ev-1",
        "occurredAt": "2026-01-02T03:04:05.678Z",
        "properties": {"hs_url": "https://x.test/pricing", "hs_title": None},
    }
    activity = activity_from_event(event)
    assert (activity.contact_id, activity.kind, activity.occurred_at, activity.source_id) == (
        "101",
        ActivityKind.PAGE_VIEW,
        MS,
        "event:ev-1",
    )
    assert None not in activity.details.values()
    assert activity_from_event({**event, "eventType": "e_some_other"}) is None


@pytest.mark.parametrize(
    "broken",
    [
        {"occurredAt": None},
        {"objectId": None},
        {"properties": ["x"]},
        {"occurredAt": "soon"},
        {"eventType": ["e_visited_page"]},
    ],
)
def test_an_event_answer_lacking_what_leadflow_reads_is_unexpected(broken):
    event = {"eventType": "e_visited_page", "objectId": 1, "id": "e", "occurredAt": "2026-01-02"}
    with pytest.raises(UnexpectedResponse):
        activity_from_event({**event, **broken})


def test_pages_give_their_results_cursor_and_refused_inputs_or_are_unexpected():
    answer = {
        "results": [{"id": "1"}],
        "paging": {"next": {"after": "200"}},
        "errors": [{"context": {"ids": [7]}, "message": "gone", "category": "OBJECT_NOT_FOUND"}],
    }
    assert records_of(answer, "search") == [{"id": "1"}]
    assert next_after(answer) == "200"
    assert next_after({"results": []}) is None
    assert item_errors_of(answer) == [ItemError(("7",), "gone", "OBJECT_NOT_FOUND", None)]
    assert item_errors_of({"errors": [{"context": "7", "message": "odd"}]}) == [
        ItemError((), "odd", None, None)
    ]
    for broken in ({"results": None}, {"results": ["x"]}, ["results"]):
        with pytest.raises(UnexpectedResponse):
            records_of(broken, "search")
