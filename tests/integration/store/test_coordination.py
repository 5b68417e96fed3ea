"""Leases, job slots and cursors keep replicas from doing the same work twice."""

import threading
from datetime import UTC, datetime, timedelta

import pytest

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
TTL = timedelta(seconds=30)


def test_it_gives_a_lease_to_one_holder_until_it_expires(store):
    assert store.acquire_lease("scheduler", "a", NOW, TTL)
    assert not store.acquire_lease("scheduler", "b", NOW + timedelta(seconds=10), TTL)
    assert store.acquire_lease("scheduler", "a", NOW + timedelta(seconds=20), TTL)  # renewal
    assert not store.acquire_lease("scheduler", "b", NOW + timedelta(seconds=40), TTL)
    assert store.acquire_lease("scheduler", "b", NOW + timedelta(seconds=51), TTL)


@pytest.mark.parametrize(
    ("holders", "winners"),
    [
        # two threads of one replica (a job and the lease renewal): both lead
        (("a", "a"), 2),
        # two replicas: one leads
        (("a", "b"), 1),
    ],
)
def test_a_first_lease_taken_at_once_goes_to_one_holder(store, holders, winners):
    for attempt in range(20):
        name, start = f"race-{attempt}", threading.Barrier(len(holders))
        won: list[str] = []

        def take(holder: str, name=name, start=start, won=won) -> None:
            start.wait()
            if store.acquire_lease(name, holder, NOW, TTL):
                won.append(holder)

        threads = [threading.Thread(target=take, args=(h,)) for h in holders]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(won) == winners, f"attempt {attempt}: {won}"


def test_it_frees_a_released_lease_at_once(store):
    store.acquire_lease("scheduler", "a", NOW, TTL)
    store.release_lease("scheduler", "a")
    assert store.acquire_lease("scheduler", "b", NOW, TTL)


def test_it_runs_a_finished_job_slot_once_across_replicas(store):
    assert store.claim_job_slot("sync", "2026-11-23T10", "a", NOW)
    store.finish_job_slot("sync", "2026-11-23T10", NOW, "ok")
    assert not store.claim_job_slot("sync", "2026-11-23T10", "b", NOW)
    assert not store.claim_job_slot("sync", "2026-11-23T10", "a", NOW)


def test_it_lets_a_new_leader_finish_a_slot_its_dead_holder_left(store):
    assert store.claim_job_slot("sync", "2026-11-23T10", "a", NOW)
    assert not store.claim_job_slot("sync", "2026-11-23T10", "a", NOW)  # no re-entry
    assert store.claim_job_slot("sync", "2026-11-23T10", "b", NOW)  # a died; b leads now
    store.finish_job_slot("sync", "2026-11-23T10", NOW, "ok")
    assert not store.claim_job_slot("sync", "2026-11-23T10", "c", NOW)


def test_it_records_each_slots_holder_and_outcome(store):
    assert store.claim_job_slot("sync", "2026-11-23T10", "a", NOW)
    assert store.claim_job_slot("sync", "2026-11-23T11", "b", NOW)
    store.finish_job_slot("sync", "2026-11-23T10", NOW, "ok")
    assert [(r["slot"], r["holder"], r["outcome"]) for r in store.job_runs("sync")] == [
        ("2026-11-23T10", "a", "ok"),
        ("2026-11-23T11", "b", None),
    ]


def test_it_moves_a_cursor_only_with_its_transaction(store):
    assert store.cursor("contacts") is None
    with store.writing() as connection:
        store.save_cursor(connection, "contacts", "1", NOW)
    try:
        with store.writing() as connection:
            store.save_cursor(connection, "contacts", "2", NOW)
            raise RuntimeError("crash before commit")
    except RuntimeError:
        pass
    assert store.cursor("contacts") == "1"
