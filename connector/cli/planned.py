"""The store's side of `connector simulate`: the stored contacts (all, or cut into runs
for worker processes), what the outbox holds for some contacts, and the portal's
round-robin and lead counts."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from functools import partial

from connector.cli.simulation_workers import ContactRuns
from connector.domain import Owner
from connector.lifecycle import ContactFacts
from connector.store import Store
from connector.workflows import FunnelState, Planned, PlannedStep


def stored_contacts(
    store: Store, start: str | None = None, stop: str | None = None
) -> Iterator[ContactFacts]:
    """Every stored contact in id order, or those from id `start` up to `stop` (left out)."""
    for history in store.contact_histories(start=start, stop=stop):
        yield ContactFacts(*history)


def stored_runs(store: Store) -> ContactRuns | None:
    """The stored contacts cut into runs of ids; a worker process opens connections
    of its own rather than share the parent's. None for a SQLite database in this
    process's memory, which no other process can open."""
    url = store.engine.url
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return None

    def cut(size: int) -> list[partial[Iterator[ContactFacts]]]:
        starts = store.contact_id_cuts(size)
        stops = [*starts[1:], None]
        return [
            partial(stored_contacts, store, start, stop)
            for start, stop in zip(starts, stops, strict=True)
        ]

    return ContactRuns(cut, after_fork=lambda: store.engine.dispose(close=False))


def stored_planned(store: Store, contact_ids: Sequence[str]) -> dict[str, Planned]:
    """These contacts as the sync's planners would see them."""
    return {
        contact_id: Planned(
            written=stored.written,
            nurture=[PlannedStep(s.key, s.step, s.state, s.due_at) for s in stored.nurture],
            episode=stored.recycles,
            emails_sent_at=[s.sent_at for s in stored.nurture if s.sent_at],
        )
        for contact_id, stored in store.planning_states(contact_ids).items()
    }


def stored_funnel(store: Store, now: datetime) -> FunnelState:
    """The round robin over the reps who hold SQLs (a simulation reads nothing from
    HubSpot, so not its list of owners), and the new leads that decide low-volume mode."""
    counts = store.funnel_counts(now)
    return FunnelState(
        owners=[Owner(owner_id, None) for owner_id in sorted(counts.sqls_by_owner)],
        assignments=counts.sqls_by_owner,
        new_leads_today=counts.new_leads_today,
        new_leads_last_7_days=counts.new_leads_last_7_days,
    )
