"""Prometheus figures read from the store at scrape time: queue depths and lags, parked
items, last sync, job durations, config version and evaluations per second.

Counters that other rooms own (HubSpot calls and 429s in `hubspot/`, webhook events
in `webhooks/`) are incremented where they happen; this collector adds what only
the database knows, so every replica reports the same shared queues.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from datetime import datetime

import structlog
from flask import current_app, has_app_context
from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily, Metric
from sqlalchemy.exc import SQLAlchemyError

from connector.reports.health import age, current_time
from connector.store.reporting import RECENT_EVALUATIONS, StoreHealth

log = structlog.get_logger(__name__)

INBOX_STATES = ("pending", "done", "skipped", "parked")
OUTBOX_STATES = ("pending", "sending", "sent", "parked", "cancelled")


class StoreCollector:
    """Reads the store of the Flask app whose `/metrics` is being scraped; outside an app
    (no request, no CLI app context) it has nothing to say."""

    def describe(self) -> Iterator[Metric]:
        return iter(_families().values())

    def collect(self) -> Iterator[Metric]:
        if not has_app_context():
            return
        extensions = current_app.extensions
        now = current_time(extensions)
        families = _families()
        try:
            state = extensions["leadflow.store"].store_health(now)
        except SQLAlchemyError as error:
            log.warning("metrics.store_unreachable", error=type(error).__name__)
            families["up"].add_metric([], 0)
            yield families["up"]
            return
        families["up"].add_metric([], 1)
        _fill(families, state, now)
        yield from families.values()


def _families() -> dict[str, Metric]:
    return {
        "up": GaugeMetricFamily("leadflow_store_up", "1 when the store answered this scrape"),
        "inbox": GaugeMetricFamily(
            "leadflow_inbox_events", "Webhook inbox events by state", labels=["state"]
        ),
        "inbox_lag": GaugeMetricFamily(
            "leadflow_inbox_lag_seconds", "Age of the oldest pending inbox event (0 when none)"
        ),
        "outbox": GaugeMetricFamily(
            "leadflow_outbox_effects", "Outbox effects by state", labels=["state"]
        ),
        "outbox_lag": GaugeMetricFamily(
            "leadflow_outbox_lag_seconds",
            "How long the longest-waiting due effect has been due (0 when none)",
        ),
        "sync_age": GaugeMetricFamily(
            "leadflow_last_sync_age_seconds", "Seconds since the contacts sync cursor moved"
        ),
        "job_duration": GaugeMetricFamily(
            "leadflow_job_last_duration_seconds",
            "Duration of each scheduled job's latest finished run (sync duration: job=sync)",
            labels=["job", "outcome"],
        ),
        "job_finished": GaugeMetricFamily(
            "leadflow_job_last_finished_timestamp_seconds",
            "When each scheduled job last finished",
            labels=["job"],
        ),
        "config": InfoMetricFamily(
            "leadflow_config", "Config version used by the latest contact evaluation"
        ),
        "evaluations": GaugeMetricFamily(
            "leadflow_evaluations_per_second",
            f"Contacts evaluated per second over the last {RECENT_EVALUATIONS}",
        ),
    }


def _fill(families: dict[str, Metric], state: StoreHealth, now: datetime) -> None:
    for name in INBOX_STATES:
        families["inbox"].add_metric([name], state.inbox.get(name, 0))
    for name in OUTBOX_STATES:
        families["outbox"].add_metric([name], state.outbox.get(name, 0))
    families["inbox_lag"].add_metric([], age(now, state.oldest_pending_event) or 0)
    families["outbox_lag"].add_metric([], age(now, state.oldest_due_effect) or 0)
    if state.last_sync is not None:
        families["sync_age"].add_metric([], age(now, state.last_sync))
    for run in state.jobs:
        duration = (run.finished_at - run.started_at).total_seconds()
        families["job_duration"].add_metric([run.job, run.outcome or ""], duration)
        families["job_finished"].add_metric([run.job], run.finished_at.timestamp())
    if state.config_version:
        families["config"].add_metric([], {"version": state.config_version})
    families["evaluations"].add_metric(
        [], state.evaluated_recently / RECENT_EVALUATIONS.total_seconds()
    )


COLLECTOR = StoreCollector()
_registered: weakref.WeakSet[CollectorRegistry] = weakref.WeakSet()


def register(registry: CollectorRegistry = REGISTRY) -> None:
    """Add the store collector to `registry` once, however many apps a process builds."""
    if registry not in _registered:
        registry.register(COLLECTOR)
        _registered.add(registry)
