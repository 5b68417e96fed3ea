"""Three `connector worker` processes on one PostgreSQL database share the work and the
HubSpot budget: every event is processed once, every effect reaches HubSpot once, and
together they never pass the portal's limit (the sandbox's request log says so).
Underneath: claims by racing workers never share a row, and on PostgreSQL a claimer
skips rows another holds instead of waiting for it."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from connector.sandbox.testing import running_sandbox
from connector.store import InboxEvent, Store, queue
from connector.store.tables import inbox_events
from tests.reliability.conftest import scaled
from tests.reliability.processes import Runner, environment
from tests.reliability.replicas import queue_events, replicas_result, run_replicas

EVENTS = scaled(5_000, 50_000)
CONTACTS = scaled(60, 1_000)
PORTAL_LIMIT = 1_000  # per 10 s: more than HubSpot's 190, so the test takes seconds
SEARCH_LIMIT = 5
BUDGET, SEARCH_BUDGET = int(PORTAL_LIMIT * 0.9), SEARCH_LIMIT


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_three_replicas_process_each_event_once_and_keep_to_one_budget(
    database_url, store: Store, round_the_clock, tmp_path, figures
):
    with running_sandbox(contacts=CONTACTS, seed=3, rate_limit=PORTAL_LIMIT) as hub:
        queued = queue_events(store, hub, EVENTS)
        runner = Runner(
            environment(hub, database_url, round_the_clock, HUBSPOT_RATE_LIMIT=str(PORTAL_LIMIT)),
            tmp_path,
        )
        result = replicas_result(store, hub, run_replicas(runner, 3), queued)
    figures(replicas=3, **result.figures(BUDGET, SEARCH_BUDGET))
    assert queued == EVENTS
    assert result.inbox == {"done": EVENTS}
    assert result.processed == EVENTS
    assert set(result.outbox) <= {"sent", "pending", "cancelled"}
    assert result.sent == result.outbox["sent"]
    assert (result.tasks_in_hubspot, result.duplicate_tasks) == (result.tasks_planned, 0)
    assert (result.emails_in_hubspot, result.duplicate_emails) == (result.emails_planned, 0)
    assert result.stages_differing == 0
    assert result.rate_limited == 0
    assert result.busiest_10s <= BUDGET
    assert result.busiest_search_1s <= SEARCH_BUDGET


NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def inbox_of(store: Store, count: int) -> None:
    events = [
        InboxEvent(f"1:7:{n}:{n}:0", "contact.propertyChange", str(n), NOW, {"eventId": n})
        for n in range(count)
    ]
    store.add_inbox_events(events, NOW)


def test_workers_claiming_at_once_never_share_an_event(store, figures):
    inbox_of(store, 400)
    start, claimed, lock = threading.Barrier(4), [], threading.Lock()

    def worker(name: str) -> None:
        start.wait()
        while batch := store.claim_inbox_events(name, NOW, limit=7):
            with lock:
                claimed.extend(event.id for event in batch)

    threads = [threading.Thread(target=worker, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    figures(backend=store.dialect, workers=4, events=400, claims=len(claimed))
    assert sorted(claimed) == sorted(set(claimed)) and len(claimed) == 400


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_claimer_skips_rows_another_worker_holds_instead_of_waiting(store):
    inbox_of(store, 10)
    lease = timedelta(minutes=5)
    others = []
    with store.writing() as connection:  # a worker mid-claim: its rows are locked
        held = queue.claim(connection, inbox_events, ["pending"], "slow", NOW, 4, lease)
        fast = threading.Thread(
            target=lambda: others.extend(store.claim_inbox_events("fast", NOW, limit=10))
        )
        fast.start()
        fast.join(timeout=10)
        assert not fast.is_alive(), "the second claimer waited for the first"
    assert len(held) == 4
    assert {e.id for e in others}.isdisjoint(row.id for row in held)
    assert len(others) == 6
