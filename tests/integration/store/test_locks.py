"""Transactions that touch the same contacts in different orders wait for each other
instead of deadlocking (replicas judging overlapping webhook batches)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from connector.domain import Contact
from connector.store import Store

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
IDS = [str(n) for n in range(1, 41)]


def save(store: Store, ids: list[str], lock: bool) -> None:
    with store.writing() as connection:
        if lock:
            store.lock_contacts(connection, ids)
        for contact_id in ids:
            store.save_contacts(connection, [(Contact(contact_id, {}), {"score": 1.0})], NOW)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_it_makes_transactions_over_the_same_contacts_take_turns(store):
    save(store, IDS, lock=False)
    start, failures = threading.Barrier(4), []

    def replica(order: list[str]) -> None:
        start.wait()
        try:
            for _ in range(20):
                save(store, order, lock=True)
        except Exception as error:  # reported below: a deadlock is what this test catches
            failures.append(repr(error))

    orders = [IDS, IDS[::-1], IDS[::2] + IDS[1::2], IDS[1::2][::-1] + IDS[::2]]
    threads = [threading.Thread(target=replica, args=(order,)) for order in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def test_it_is_a_no_op_on_sqlite_which_has_one_writer(sqlite_url):
    store = Store.from_url(sqlite_url)
    try:
        save(store, IDS[:3], lock=True)
        assert store.find_contact("3").score == 1.0
    finally:
        store.close()
