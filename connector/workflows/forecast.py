"""What a config change would ask of HubSpot: the effects `plan` makes after each
contact's evaluation under the active and the candidate config, counted by kind.

Pure: the caller evaluates each contact under both configs (e.g. through
`connector.lifecycle.simulate`'s `on_evaluated`) and hands both evaluations to
`EffectForecast.add`. Only the contacts the two configs could plan differently
are planned: those judged differently (stage, transition, scores, persona,
model, recycle), or every contact when the nurture, routing, templates or
write-back names differ. They are planned in batches, with what the outbox
already holds for them (`planned_of`), as the sync's planners see it, so a
step already planned is never counted again. A change of wording alone (a
rule's label, hence the reason written back) is not counted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from connector.domain import EffectKind
from connector.lifecycle import ContactFacts, Evaluation
from connector.workflows.config.loader import Config
from connector.workflows.planner import plan
from connector.workflows.state import PENDING, ContactState, FunnelState, Plan, PlannedStep

EMAIL_CAP_WINDOW = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Planned:
    """What leadflow holds for one contact: the values it last wrote, its nurture steps
    in any state, its recycle count, and when nurture emails reached it."""

    written: Mapping[str, str] = field(default_factory=dict)
    nurture: Sequence[PlannedStep] = ()
    episode: int = 0
    emails_sent_at: Sequence[datetime] = ()


@dataclass
class EffectCounts:
    """Effects by kind: nurture emails by step, CALL tasks for new SQLs and for
    high-fit MQLs, personal-email tasks by step (low-volume mode), write-backs;
    and the nurture steps already planned that would be cancelled."""

    emails: Counter = field(default_factory=Counter)
    personal: Counter = field(default_factory=Counter)
    sql_calls: int = 0
    mql_calls: int = 0
    writebacks: int = 0
    stopped: int = 0

    def count(self, planned: Plan, held: Iterable[PlannedStep]) -> None:
        """Add one plan's effects, and the pending nurture steps it cancels (`held`:
        the contact's steps in the outbox)."""
        kept = {effect.idempotency_key for effect in planned.effects}
        self.stopped += sum(
            1
            for step in held
            if step.state == PENDING
            and step.key not in kept
            and step.key.startswith(tuple(planned.cancel_keys_with_prefix))
        )
        for effect in planned.effects:
            payload = effect.payload
            if effect.kind == EffectKind.UPDATE_CONTACT:
                self.writebacks += 1
            elif effect.kind == EffectKind.SEND_EMAIL:
                self.emails[int(payload["step"])] += 1
            elif payload.get("purpose") == "personal_email":
                self.personal[int(payload["step"])] += 1
            elif payload.get("purpose") == "mql_call":
                self.mql_calls += 1
            else:
                self.sql_calls += 1

    def merge(self, other: EffectCounts) -> None:
        """Add the counts of other contacts."""
        self.emails.update(other.emails)
        self.personal.update(other.personal)
        self.sql_calls += other.sql_calls
        self.mql_calls += other.mql_calls
        self.writebacks += other.writebacks
        self.stopped += other.stopped

    def to_dict(self) -> dict[str, Any]:
        return {
            "emails_by_step": {str(step): n for step, n in sorted(self.emails.items())},
            "personal_email_tasks_by_step": {
                str(step): n for step, n in sorted(self.personal.items())
            },
            "sql_call_tasks": self.sql_calls,
            "mql_call_tasks": self.mql_calls,
            "writebacks": self.writebacks,
            "nurture_steps_cancelled": self.stopped,
        }


def nothing_planned(contact_ids: Sequence[str]) -> Mapping[str, Planned]:
    """What the outbox holds for contacts, when no store is asked: nothing."""
    return {}


def _move(evaluation: Evaluation) -> tuple[str | None, str] | None:
    transition = evaluation.transition
    return (transition.from_stage, transition.to_stage) if transition else None


def _judged_alike(old: Evaluation, new: Evaluation) -> bool:
    """The same verdict for the planners (wording apart), read without building reasons."""
    return (
        old.stage == new.stage
        and _move(old) == _move(new)
        and (old.model, old.fit, old.engagement, old.score)
        == (new.model, new.fit, new.engagement, new.score)
        and old.persona == new.persona
        and (old.recycled, old.recycled_at, old.newly_recycled)
        == (new.recycled, new.recycled_at, new.newly_recycled)
    )


def _workflows(config: Config) -> tuple:
    """What the planners read besides the evaluation."""
    sections = config.sections
    return (
        sections.get("nurture.yaml"),
        sections.get("routing.yaml"),
        dict(config.templates),
        config.ruleset.writeback,
    )


@dataclass
class EffectForecast:
    """Counts, per config, the effects the next evaluation would plan for the contacts
    the two configs could treat differently (`contacts` of them); see the module doc."""

    active: Config
    candidate: Config
    funnel: FunnelState
    now: datetime
    planned_of: Callable[[Sequence[str]], Mapping[str, Planned]] = nothing_planned
    batch: int = 500
    contacts: int = 0
    before: EffectCounts = field(default_factory=EffectCounts)
    after: EffectCounts = field(default_factory=EffectCounts)
    _waiting: list[tuple[ContactFacts, Evaluation, Evaluation]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._plans_alike = _workflows(self.active) == _workflows(self.candidate)

    def add(self, facts: ContactFacts, old: Evaluation, new: Evaluation) -> None:
        """Take one contact's two evaluations; plan them (in a batch) unless alike."""
        if self._plans_alike and _judged_alike(old, new):
            return
        self._waiting.append((facts, old, new))
        if len(self._waiting) >= self.batch:
            self.finish()

    def finish(self) -> EffectForecast:
        """Plan and count every contact still waiting; call once all were added."""
        waiting, self._waiting = self._waiting, []
        planned = self.planned_of([facts.contact.id for facts, _, _ in waiting])
        for facts, old, new in waiting:
            held = planned.get(facts.contact.id, Planned())
            self.contacts += 1
            for config, evaluation, counts in (
                (self.active, old, self.before),
                (self.candidate, new, self.after),
            ):
                state = self._state(facts, evaluation, held)
                transition = evaluation.transition
                # Any id will do: it only names the task and the transition in the keys.
                tid = f"forecast:{facts.contact.id}:{transition.to_stage}" if transition else None
                counted = plan(
                    evaluation, state, self.funnel, config, tid, self.now, render_reason=False
                )
                counts.count(counted, held.nurture)
        return self

    def merge(self, contacts: int, before: EffectCounts, after: EffectCounts) -> None:
        """Add what a forecast of the same configs over other contacts counted
        (e.g. in another process): its `contacts`, `before` and `after`."""
        self.contacts += contacts
        self.before.merge(before)
        self.after.merge(after)

    def _state(self, facts: ContactFacts, evaluation: Evaluation, held: Planned) -> ContactState:
        """As the sync builds it: a recycle this evaluation sees first opens an episode."""
        recent = self.now - EMAIL_CAP_WINDOW
        return ContactState(
            contact=facts.contact,
            activities=facts.activities,
            written=held.written,
            nurture=held.nurture,
            episode=held.episode + (1 if evaluation.newly_recycled else 0),
            emails_sent_last_7_days=sum(1 for sent in held.emails_sent_at if sent >= recent),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "contacts_planned": self.contacts,
            "active": self.before.to_dict(),
            "candidate": self.after.to_dict(),
        }
