"""The store's side of `connector simulate`'s emails and tasks: what the outbox holds
for some contacts, and the portal's round-robin and lead counts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from connector.domain import Owner
from connector.store import Store
from connector.workflows import FunnelState, Planned, PlannedStep


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
