"""What the planners read besides the evaluation, and what they return.

The lead's sync gathers these from the store in the transaction that records
the evaluation; `connector.workflows.planner.plan` turns them into a `Plan`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from connector.domain import Activity, Contact, Effect, Owner

PENDING = "pending"


@dataclass(frozen=True, slots=True)
class PlannedStep:
    """A nurture effect already in the outbox for this contact (email or personal-email
    task). `state` is pending|sending|sent|parked|cancelled."""

    key: str
    step: int
    state: str
    due_at: datetime

    @property
    def episode(self) -> int | None:
        """The episode in the key (`nurture:{contact}:{episode}:{step}`), None if unreadable."""
        parts = self.key.rsplit(":", 2)
        return int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else None


@dataclass(frozen=True, slots=True)
class ContactState:
    """What leadflow knows of one contact.

    `contact` is fresh from HubSpot (properties are strings); `activities` is
    the whole stored history, oldest first; `written` what leadflow last wrote
    to HubSpot; `nurture` every nurture effect planned so far, in any state;
    `episode` counts recycles (0, then +1 each time sales sends the lead back,
    already counting a recycle this evaluation sees for the first time).
    """

    contact: Contact
    activities: Sequence[Activity]
    written: Mapping[str, str]
    nurture: Sequence[PlannedStep]
    episode: int
    emails_sent_last_7_days: int

    def steps_of(self, episode: int) -> list[PlannedStep]:
        return [step for step in self.nurture if step.episode == episode]


@dataclass(frozen=True, slots=True)
class FunnelState:
    """Portal-wide facts: active owners, SQLs held per owner id (the round robin's
    memory), and new leads today (low-volume mode). `new_leads_last_7_days`, when
    given, smooths the morning: the rate is the larger of today and the week's mean."""

    owners: Sequence[Owner]
    assignments: Mapping[str, int]
    new_leads_today: int
    new_leads_last_7_days: int | None = None

    @property
    def new_leads_per_day(self) -> float:
        if self.new_leads_last_7_days is None:
            return float(self.new_leads_today)
        return max(float(self.new_leads_today), self.new_leads_last_7_days / 7)


@dataclass(frozen=True, slots=True)
class Plan:
    """Effects to insert in the outbox (a key already there is ignored), prefixes of
    this contact's pending effect keys to cancel first, and the owner routing gave
    an ownerless contact (None when it gave none)."""

    effects: list[Effect] = field(default_factory=list)
    cancel_keys_with_prefix: list[str] = field(default_factory=list)
    assigned_owner: str | None = None
