"""The in-memory gateway other rooms test with: counted calls, scripted failures, pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connector.domain import Activity, ActivityKind, Contact
from connector.hubspot import RateLimited
from connector.hubspot.fake import FakeGateway

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def contacts(count: int) -> list[Contact]:
    return [Contact(str(n), {}, updated_at=T0 + timedelta(seconds=n)) for n in range(count)]


def test_it_records_every_call_for_tests_to_count():
    gateway = FakeGateway(contacts(3))
    gateway.read_contacts(["0", "1"])
    gateway.read_contacts(["2"])
    gateway.owners()
    assert gateway.calls_of("read_contacts") == 2
    assert gateway.calls[-1] == ("owners", None)


def test_it_raises_a_scripted_error_once():
    gateway = FakeGateway(contacts(1))
    gateway.fail_next(
        "update_contacts", RateLimited("slow down", policy="TEN_SECONDLY_ROLLING", retry_after=10)
    )
    with pytest.raises(RateLimited):
        gateway.update_contacts({"0": {"hs_lead_status": "NEW"}})
    assert gateway.update_contacts({"0": {"hs_lead_status": "NEW"}}).updated == ["0"]


@pytest.mark.parametrize(
    ("since", "until", "expected"),
    [
        # everything, in pages of 200 like search
        (T0, None, [200, 200, 50]),
        # from the 300th second on
        (T0 + timedelta(seconds=300), None, [150]),
        # a closed window, both ends included
        (T0 + timedelta(seconds=10), T0 + timedelta(seconds=19), [10]),
    ],
)
def test_it_pages_changed_contacts_in_a_window(since, until, expected):
    gateway = FakeGateway(contacts(450))
    assert [len(page) for page in gateway.changed_contacts(since, until)] == expected


def test_it_serves_activity_by_time_and_by_contact():
    activity = [
        Activity("1", ActivityKind.PAGE_VIEW, T0 + timedelta(minutes=n), f"e{n}", {"url": "/"})
        for n in range(5)
    ] + [Activity("2", ActivityKind.EMAIL_OPEN, T0, "m1")]
    gateway = FakeGateway(activities=activity)
    later = [a.source_id for p in gateway.activities_since(T0 + timedelta(minutes=3)) for a in p]
    assert later == ["e3", "e4"]
    assert [a.source_id for a in gateway.activities_of(["2"])] == ["m1"]
    assert [a.source_id for p in gateway.email_activities_since(T0) for a in p] == ["m1"]
    assert len([a for p in gateway.event_activities_since(T0) for a in p]) == 5
