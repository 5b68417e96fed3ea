"""Replicas on one database share one HubSpot rate budget: together they stay under it."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import replace
from datetime import timedelta

import pytest

from connector.hubspot import SharedWindowLimiter, shared_limiters
from connector.hubspot.constants import Budget
from connector.hubspot.gateway import HubSpotGateway
from connector.services import build_connector
from connector.settings import Settings, SettingsError
from connector.store import Store
from tests.integration.hubspot.conftest import SharedTime
from tests.integration.sandbox.helpers import add_contacts
from tests.live import live_settings

BATCH_READ = ("POST", "/crm/v3/objects/contacts/batch/read")


class OnTestClock:
    """The store as a slot source, stamping grants with the test's clock instead of
    the database's (which does not move when the test's time does)."""

    def __init__(self, store: Store, now) -> None:
        self.store, self.now = store, now

    def take_rate_slots(self, budget, want, limit, horizon, give_back=None):
        return self.store.take_rate_slots(budget, want, limit, horizon, give_back, now=self.now())

    def pause_rate_budget(self, budget, seconds):
        return self.store.pause_rate_budget(budget, seconds, now=self.now())


def replicas(store: Store, time_: SharedTime, count: int, limit: int) -> list[SharedWindowLimiter]:
    return [
        SharedWindowLimiter(
            OnTestClock(store, time_.now),
            limit,
            10.0,
            0.9,
            name=Budget.GENERAL,
            clock=time_.clock,
            sleep=time_.sleep,
        )
        for _ in range(count)
    ]


def most_in_any_window(times: list[float], window: float) -> int:
    ordered = sorted(times)
    return max(i - bisect_left(ordered, t - window + 1e-9) + 1 for i, t in enumerate(ordered))


def test_it_keeps_three_replicas_together_under_one_budget_at_90_percent_or_more(store, time_):
    three = replicas(store, time_, 3, limit=190)
    starts = []
    for call in range(1800):
        three[call % 3].acquire()
        starts.append(time_.clock())
    busiest = most_in_any_window(starts, 10.0)
    rate = len(starts) / (starts[-1] - starts[0] + 10.5)
    print(
        f"\n3 replicas, 1800 calls: busiest 10 s {busiest} (budget 171), "
        f"{rate:.2f} calls/s ({rate / 17.1:.0%} of the budget's rate)"
    )
    assert busiest <= 171
    assert rate >= 0.9 * 17.1


def test_it_lends_out_again_the_slots_a_replica_left_unspent(store, time_):
    (first,) = replicas(store, time_, 1, limit=10)  # 9 per 10 s
    first.block = 9
    first.acquire()  # takes all 9, spends 1
    time_.sleep(1)  # its block is stale now; it gives back 8 when it asks again
    first.acquire()
    assert time_.slept == [1]
    assert store.rate_slots_granted(Budget.GENERAL, time_.now() - timedelta(seconds=20)) == 9


def test_it_pauses_every_replica_after_one_of_them_sees_a_429(store, time_):
    first, second = replicas(store, time_, 2, limit=190)
    first.pause(10)
    before = time_.clock()
    second.acquire()
    assert time_.clock() - before >= 10


def test_three_replicas_over_one_portal_at_its_limit_never_get_a_429(
    store, start_hub, time_: SharedTime
):
    hub = start_hub(rate_limit=190)
    ids = add_contacts(hub, 3)
    gateways = [
        HubSpotGateway(
            hub.base_url,
            hub.token,
            limiters={Budget.GENERAL: limiter},
            clock=time_.clock,
            sleep=time_.sleep,
            now=time_.now,
        )
        for limiter in replicas(store, time_, 3, limit=190)
    ]
    for call in range(600):
        gateways[call % 3].read_contacts(ids)
    times = [entry.at_ms / 1000 for entry in hub.request_log.entries]
    busiest = most_in_any_window(times, 10.0)
    print(f"\n3 gateways, 600 calls: busiest 10 s {busiest} (portal 190, budget 171)")
    assert hub.request_log.count(*BATCH_READ, status=200) == 600
    assert hub.request_log.count(status=429) == 0
    assert busiest <= 171


@pytest.mark.parametrize(
    ("database_url", "variable", "shared"),
    [
        # replicas share PostgreSQL: one budget by default
        ("postgresql://leadflow@db/leadflow", None, True),
        # one process on SQLite has its own budget
        ("sqlite:///var/leadflow.db", None, False),
        # an operator may turn it off (one replica on PostgreSQL) ...
        ("postgresql://leadflow@db/leadflow", "false", False),
        # ... or on (several processes on one SQLite file)
        ("sqlite:///var/leadflow.db", "true", True),
        # an empty value is the default
        ("postgresql://leadflow@db/leadflow", "", True),
    ],
)
def test_it_shares_the_budget_by_default_on_postgresql(database_url, variable, shared):
    environ = {"DATABASE_URL": database_url}
    if variable is not None:
        environ["LEADFLOW_SHARED_RATE_BUDGET"] = variable
    assert Settings.from_environment(environ, dotenv_path=None).shares_rate_budget is shared


def test_it_names_the_variable_when_the_choice_is_not_understood():
    with pytest.raises(SettingsError, match="LEADFLOW_SHARED_RATE_BUDGET must be auto"):
        Settings.from_environment({"LEADFLOW_SHARED_RATE_BUDGET": "maybe"}, dotenv_path=None)


def test_the_connectors_gateway_draws_from_the_shared_budget(sqlite_url):
    settings = replace(live_settings(sqlite_url), shared_rate_budget=True)
    store = Store.from_url(sqlite_url)
    try:
        limiters = build_connector(settings, store).gateway.limiters
    finally:
        store.close()
    assert isinstance(limiters[Budget.GENERAL], SharedWindowLimiter)
    assert isinstance(limiters[Budget.SEARCH], SharedWindowLimiter)


@pytest.mark.parametrize(
    ("limit", "interval", "count", "block", "hold"),
    [
        # HubSpot's 10-second app limit on Professional: 8 of 171 a block, spent in 0.5 s
        (190, 10.0, 171, 8, 0.5),
        # search's 5 a second: one at a time, spent in 56 ms
        (5, 1.0, 5, 1, 5 / 4.5 / 20),
        # a portal announcing a huge limit (a test sandbox): blocks stay small, so a
        # replica that dies holding one does not starve the others for a window
        (100_000, 10.0, 90_000, 25, 0.5),
    ],
)
def test_it_sizes_blocks_to_be_spent_in_a_twentieth_of_the_window(
    store, limit, interval, count, block, hold
):
    budget = SharedWindowLimiter(store, limit, interval, 0.9, name=Budget.GENERAL)
    assert (budget.count, budget.block, budget.hold) == (count, block, pytest.approx(hold))


def test_it_builds_both_of_the_gateways_budgets(store):
    limiters = shared_limiters(store, 190, 5, 0.9)
    assert (limiters[Budget.GENERAL].count, limiters[Budget.SEARCH].count) == (171, 5)
