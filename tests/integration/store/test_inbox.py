"""The inbox keeps every acknowledged event once, hands it to one worker, and never loses it."""

from datetime import UTC, datetime, timedelta

from connector.store import InboxEvent
from connector.store.inbox import MAX_ATTEMPTS

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def event(n: int, object_id: str = "101") -> InboxEvent:
    return InboxEvent(
        identity=f"62515:12:{n}:{object_id}:1764000000000",
        subscription_type="contact.creation",
        object_id=object_id,
        occurred_at=NOW,
        payload={"eventId": n},
    )


def test_it_stores_each_event_identity_once(store):
    assert store.add_inbox_events([event(1), event(2)], NOW) == 2
    assert store.add_inbox_events([event(2), event(3), event(3)], NOW) == 1
    assert store.inbox_depth() == {"pending": 3}


def test_it_gives_a_claimed_event_to_one_worker_until_its_lease_ends(store):
    store.add_inbox_events([event(1), event(2)], NOW)
    first = store.claim_inbox_events("a", NOW, limit=10, lease=timedelta(minutes=5))
    assert [e.payload["eventId"] for e in first] == [1, 2]
    assert store.claim_inbox_events("b", NOW + timedelta(minutes=1)) == []
    again = store.claim_inbox_events("b", NOW + timedelta(minutes=6))
    assert [e.id for e in again] == [e.id for e in first]


def test_it_marks_events_done_in_the_callers_transaction(store):
    store.add_inbox_events([event(1)], NOW)
    [claimed] = store.claim_inbox_events("a", NOW)
    with store.writing() as connection:
        store.finish_inbox_events(connection, [claimed.id])
    assert store.inbox_depth() == {"done": 1}
    assert store.claim_inbox_events("a", NOW + timedelta(hours=1)) == []


def test_it_retries_failures_with_back_off_and_parks_them_at_last(store):
    store.add_inbox_events([event(1)], NOW)
    now = NOW
    for _ in range(MAX_ATTEMPTS):
        [claimed] = store.claim_inbox_events("a", now)
        store.fail_inbox_events([claimed.id], "HubSpot said no", now)
        assert store.claim_inbox_events("a", now) == []
        now += timedelta(hours=2)
    [parked] = store.list_inbox(["parked"])
    assert parked.attempts == MAX_ATTEMPTS
    assert parked.error == "HubSpot said no"
    assert store.requeue_inbox(now) == 1
    assert len(store.claim_inbox_events("a", now)) == 1


def test_it_forgets_processed_events_only_after_the_retention(store):
    store.add_inbox_events([event(1), event(2)], NOW)
    claimed = store.claim_inbox_events("a", NOW)
    with store.writing() as connection:
        store.finish_inbox_events(connection, [claimed[0].id])
    assert store.forget_processed_events(NOW - timedelta(hours=72)) == 0
    assert store.forget_processed_events(NOW + timedelta(seconds=1)) == 1
    assert store.inbox_depth() == {"pending": 1}
