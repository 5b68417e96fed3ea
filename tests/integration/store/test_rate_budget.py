"""The shared rate budget: no horizon ever sees more slots granted than the limit."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
HORIZON = timedelta(seconds=10.5)


def take(store, want, at, limit=10, give_back=None):
    return store.take_rate_slots("ten_secondly", want, limit, HORIZON, give_back, now=at)


def test_it_grants_up_to_the_limit_then_says_when_the_oldest_grant_leaves(store):
    assert take(store, 4, NOW).slots == 4
    assert take(store, 4, NOW + timedelta(seconds=2)).slots == 4
    assert take(store, 4, NOW + timedelta(seconds=3)).slots == 2
    refused = take(store, 4, NOW + timedelta(seconds=4))
    assert (refused.slots, refused.grant_id) == (0, None)
    assert refused.wait == pytest.approx(6.5)
    assert take(store, 4, NOW + timedelta(seconds=10.5)).slots == 4  # the first grant left


def test_it_lends_again_the_slots_a_replica_gave_back(store):
    first = take(store, 10, NOW)
    assert take(store, 1, NOW + timedelta(seconds=1)).slots == 0
    again = take(store, 5, NOW + timedelta(seconds=1), give_back=(first.grant_id, 3))
    assert again.slots == 3


def test_it_keeps_separate_budgets_apart(store):
    assert take(store, 10, NOW).slots == 10
    assert store.take_rate_slots("search", 1, 5, HORIZON, now=NOW).slots == 1


def test_it_refuses_every_replica_while_a_429_pause_lasts(store):
    until = store.pause_rate_budget("ten_secondly", 10, now=NOW)
    assert until == NOW + timedelta(seconds=10)
    store.pause_rate_budget("ten_secondly", 2, now=NOW)  # a shorter pause does not cut it
    refused = take(store, 1, NOW + timedelta(seconds=4))
    assert (refused.slots, refused.wait) == (0, pytest.approx(6))
    assert take(store, 1, NOW + timedelta(seconds=10)).slots == 1


def test_it_grants_no_more_than_the_limit_to_takers_racing_at_once(store):
    start, granted, lock = threading.Barrier(8), [], threading.Lock()

    def replica() -> None:
        start.wait()
        for _ in range(5):
            slots = take(store, 1, NOW, limit=25).slots
            with lock:
                granted.append(slots)

    threads = [threading.Thread(target=replica) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(granted) == 25
    assert store.rate_slots_granted("ten_secondly", NOW - HORIZON) == 25


def test_it_stamps_grants_with_the_databases_clock(store):
    before = datetime.now(UTC) - timedelta(seconds=5)
    grant = store.take_rate_slots("ten_secondly", 3, 10, HORIZON)
    assert grant.slots == 3
    assert store.rate_slots_granted("ten_secondly", before) == 3
