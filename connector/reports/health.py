"""Operational health: is the connector keeping up? Read from the store and the process's
Prometheus registry (HubSpot calls and 429s are counted by the gateway there)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from prometheus_client import REGISTRY, CollectorRegistry

from connector.store import Store
from connector.store.reporting import JobRun

HUBSPOT_CALLS = "leadflow_hubspot_calls_total"
HUBSPOT_RATE_LIMITED = "leadflow_hubspot_rate_limited_total"
BACKLOG_STATES = ("pending", "sending")


@dataclass(frozen=True)
class Health:
    """Lags and ages in seconds; None where there is nothing to measure."""

    inbox_pending: int
    inbox_lag: float | None
    outbox_backlog: int
    outbox_lag: float | None
    parked: int
    last_sync_age: float | None
    config_version: str | None
    hubspot_calls: int
    hubspot_rate_limited: int
    jobs: list[JobRun]


def read_health(store: Store, now: datetime, registry: CollectorRegistry = REGISTRY) -> Health:
    state = store.store_health(now)
    return Health(
        inbox_pending=state.inbox.get("pending", 0),
        inbox_lag=age(now, state.oldest_pending_event),
        outbox_backlog=sum(state.outbox.get(name, 0) for name in BACKLOG_STATES),
        outbox_lag=age(now, state.oldest_due_effect),
        parked=state.inbox.get("parked", 0) + state.outbox.get("parked", 0),
        last_sync_age=age(now, state.last_sync),
        config_version=state.config_version,
        hubspot_calls=counter_total(registry, HUBSPOT_CALLS),
        hubspot_rate_limited=counter_total(registry, HUBSPOT_RATE_LIMITED),
        jobs=state.jobs,
    )


def current_time(extensions: dict) -> datetime:
    """The app's injected clock (a test replays a fixed day), else the system's UTC time."""
    clock = extensions.get("leadflow.clock")
    return clock() if clock else datetime.now(UTC)


def age(now: datetime, then: datetime | None) -> float | None:
    """Seconds from `then` to `now` (never negative), or None when there is no `then`."""
    return None if then is None else max(0.0, (now - then).total_seconds())


def counter_total(registry: CollectorRegistry, sample_name: str) -> int:
    """The sum of a counter over all its labels; 0 when no part of the process defines it.

    Only the collector that owns the name is asked, so this never triggers the store reads
    of `metrics.StoreCollector`.
    """
    families = registry.restricted_registry([sample_name]).collect()
    return int(sum(s.value for f in families for s in f.samples if s.name == sample_name))
