"""What the planners would see for some stored contacts, and the portal's funnel
counts: `connector simulate` counts the emails and tasks a config change would
cause from them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from connector.domain import Stage


@dataclass(frozen=True, slots=True)
class StoredStep:
    """A nurture email or personal-email task in the outbox, any state."""

    key: str
    step: int
    state: str
    due_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True, slots=True)
class StoredPlanning:
    """What leadflow last wrote to HubSpot for a contact, its nurture steps, and how
    often sales recycled it."""

    written: dict[str, str]
    nurture: list[StoredStep]
    recycles: int


@dataclass(frozen=True, slots=True)
class FunnelCounts:
    """SQLs held per owner (the round robin's memory) and new leads today and this week."""

    sqls_by_owner: dict[str, int]
    new_leads_today: int
    new_leads_last_7_days: int


class PlanningQueries:
    def planning_states(self, contact_ids: Sequence[str]) -> dict[str, StoredPlanning]:
        """What the sync's planners would read for these stored contacts, in one read."""
        with self.reading() as connection:
            written = self.written_of(connection, contact_ids)
            recycles = self.recycle_counts(connection, contact_ids)
            nurture = self.nurture_effects(connection, contact_ids)
        return {
            contact_id: StoredPlanning(
                known or {},
                [
                    StoredStep(
                        row.idempotency_key,
                        int(row.payload.get("step", 0)),
                        row.state,
                        row.due_at,
                        row.sent_at,
                    )
                    for row in nurture.get(contact_id, ())
                ],
                recycles.get(contact_id, 0),
            )
            for contact_id, known in written.items()
        }

    def funnel_counts(self, now: datetime) -> FunnelCounts:
        day_start = datetime.combine(now.astimezone(UTC).date(), time(), tzinfo=UTC)
        with self.reading() as connection:
            return FunnelCounts(
                self.owner_loads(connection, Stage.SQL),
                self.stage_entries_since(connection, Stage.LEAD, day_start),
                self.stage_entries_since(connection, Stage.LEAD, now - timedelta(days=7)),
            )
