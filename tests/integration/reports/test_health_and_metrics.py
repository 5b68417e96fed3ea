"""Operational health on the dashboard and the store's figures in /metrics."""

import pytest
from prometheus_client import CollectorRegistry, Counter

from connector.app import create_app
from connector.reports.health import read_health
from connector.store import Store
from tests.integration.reports import world
from tests.integration.reports.world import NOW, OLDEST_DUE_EFFECT


@pytest.fixture
def seeded(store):
    world.seed(store)
    world.seed_operations(store)
    return store


def test_it_measures_queues_sync_and_config_from_the_store(seeded):
    registry = CollectorRegistry()
    calls = Counter("leadflow_hubspot_calls", "calls", ["endpoint", "status"], registry=registry)
    calls.labels("contacts.search", "200").inc(5)
    calls.labels("contacts.batch_read", "429").inc(2)
    Counter("leadflow_hubspot_rate_limited", "429s", ["policy"], registry=registry).labels(
        "TEN_SECONDLY_ROLLING"
    ).inc(2)
    health = read_health(seeded, NOW, registry)
    assert (health.inbox_pending, health.inbox_lag) == (2, 90 * 60)
    assert health.outbox_backlog == 3  # fay's email and dee's and eve's CALL tasks
    assert health.outbox_lag == (NOW - OLDEST_DUE_EFFECT).total_seconds()
    assert health.parked == 2  # one inbox event, one CALL task
    assert health.last_sync_age == 3600
    assert health.config_version == "v7"
    assert (health.hubspot_calls, health.hubspot_rate_limited) == (7, 2)
    assert [(run.job, run.outcome) for run in health.jobs] == [("sync", "ok")]


def test_it_has_nothing_to_measure_on_an_empty_store(store):
    health = read_health(store, NOW, CollectorRegistry())
    assert (health.inbox_lag, health.outbox_lag, health.last_sync_age) == (None, None, None)
    assert (health.parked, health.config_version, health.hubspot_calls) == (0, None, 0)


def metrics_text(settings, store) -> str:
    return create_app(settings, store, clock=lambda: NOW).test_client().get("/metrics").text


def test_it_exports_queue_depths_lags_sync_and_config_to_prometheus(settings, seeded):
    text = metrics_text(settings, seeded)
    for line in [
        "leadflow_store_up 1.0",
        'leadflow_inbox_events{state="pending"} 2.0',
        "leadflow_inbox_lag_seconds 5400.0",
        'leadflow_outbox_effects{state="parked"} 1.0',
        'leadflow_outbox_effects{state="sending"} 0.0',
        "leadflow_last_sync_age_seconds 3600.0",
        'leadflow_job_last_duration_seconds{job="sync",outcome="ok"} 42.0',
        'leadflow_config_info{version="v7"} 1.0',
        f"leadflow_evaluations_per_second {1 / 300}",
    ]:
        assert line in text.splitlines()


def test_it_exports_once_however_many_apps_the_process_builds(settings, store):
    metrics_text(settings, store)
    text = metrics_text(settings, store)
    assert text.count("# TYPE leadflow_outbox_effects gauge") == 1


def test_it_says_the_store_is_down_instead_of_failing_the_scrape(settings):
    gone = Store.from_url("postgresql+psycopg://nobody@127.0.0.1:1/none")
    text = metrics_text(settings, gone)
    assert "leadflow_store_up 0.0" in text.splitlines()
    assert "python_info" in text
