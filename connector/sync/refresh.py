"""The one path from fresh HubSpot facts to stored verdicts and planned effects.

Webhook events, the hourly pull and the nightly decay pass all end here, so a
contact is judged the same way whichever road its news took.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta

import structlog
from sqlalchemy import Connection

from connector import failpoints
from connector.domain import Activity, Contact, Effect, Owner, Stage, stage_rank
from connector.lifecycle import Evaluation, evaluate
from connector.store import Store, StoredContact, TransitionRecord
from connector.workflows import ContactState, FunnelState, PlannedStep, plan

log = structlog.get_logger(__name__)
EMAIL_CAP_WINDOW = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class RefreshOutcome:
    evaluated: int = 0
    transitions: int = 0
    effects: int = 0

    def __add__(self, other: RefreshOutcome) -> RefreshOutcome:
        return RefreshOutcome(
            self.evaluated + other.evaluated,
            self.transitions + other.transitions,
            self.effects + other.effects,
        )


def transition_id(contact_id: str, stage: str, episode: int) -> str:
    """Deterministic, so a crash and a replay record the same transition once."""
    return f"t:{contact_id}:{stage}:{episode}"


def reasons_record(evaluation: Evaluation) -> list[dict]:
    return [
        {
            "rule_id": r.rule_id,
            "label": r.label,
            "points": r.points,
            "evidence": [e.describe() for e in r.evidence],
        }
        for r in (*evaluation.stage_reasons, *evaluation.score_reasons)
    ]


def _observed_at(contact: Contact, stage: str, fallback: datetime) -> datetime:
    """When HubSpot says the contact entered `stage` (its `hs_lifecyclestage_*_date`)."""
    return contact.moment(f"hs_lifecyclestage_{stage}_date") or fallback


def _settled(known: StoredContact) -> dict[str, str]:
    values = {"lifecyclestage": known.stage, "hubspot_owner_id": known.owner_id}
    return {name: value for name, value in values.items() if value}


def _earned_at(
    contact: Contact, evaluation: Evaluation, stage: str, fallback: datetime
) -> datetime:
    """When a contact first seen (a backfill) earned its stage: the latest activity behind
    the stage rules, else HubSpot's date for the stage, so the funnel's history stays true."""
    times = [
        evidence.activity.occurred_at
        for reason in evaluation.stage_reasons
        for evidence in reason.evidence
        if evidence.activity is not None
    ]
    earned = max(times, default=None) or _observed_at(contact, stage, fallback)
    return min(earned, fallback)


class Refresher:
    """Evaluates contacts and, in one transaction per batch, stores the verdicts,
    the transitions and the effects the planners ask for."""

    def __init__(
        self,
        store: Store,
        config: Callable[[], object],
        owners: Callable[[], Sequence[Owner]],
        clock: Callable[[], datetime],
    ) -> None:
        self.store, self._config, self._owners, self._clock = store, config, owners, clock

    def apply(
        self,
        contacts: Sequence[Contact],
        new_activities: Sequence[Activity] = (),
        finished_events: Sequence[int] = (),
        cursor: tuple[str, str] | None = None,
    ) -> RefreshOutcome:
        """Store `new_activities`, judge `contacts` on their whole history, plan effects,
        mark `finished_events` done and move `cursor`, all or nothing."""
        now, config = self._clock(), self._config()
        with self.store.writing() as connection:
            self.store.lock_contacts(connection, [c.id for c in contacts])
            self.store.save_activities(connection, new_activities)
            outcome = self._judge(connection, contacts, config, now)
            self.store.finish_inbox_events(connection, finished_events)
            if cursor is not None:
                self.store.save_cursor(connection, *cursor, now)
            failpoints.hit("refresh.after_evaluation")
        failpoints.hit("refresh.after_commit")
        return outcome

    def rejudge(self, contact_ids: Sequence[str]) -> RefreshOutcome:
        """Judge stored contacts again on their stored facts, without asking HubSpot:
        the nightly pass, so faded engagement is written back and stages follow.

        The stage and owner are the ones leadflow last settled (HubSpot's as last
        read, or what leadflow decided and writes back), so a pass never replays
        a transition or hands a contact to a second rep of the round robin.
        """
        now, config = self._clock(), self._config()
        with self.store.writing() as connection:
            self.store.lock_contacts(connection, contact_ids)
            stored = self.store.stored_contacts(connection, contact_ids)
            contacts = [
                Contact(
                    known.id,
                    {**known.properties, **_settled(known)},
                    known.hubspot_updated_at,
                )
                for known in stored.values()
            ]
            return self._judge(connection, contacts, config, now)

    def _judge(
        self, connection: Connection, contacts: Sequence[Contact], config, now: datetime
    ) -> RefreshOutcome:
        if not contacts:
            return RefreshOutcome()
        ids = [c.id for c in contacts]
        store = self.store
        history = store.activities_of(connection, ids)
        stored = store.stored_contacts(connection, ids)
        episodes = store.recycle_counts(connection, ids)
        nurture = store.nurture_effects(connection, ids)
        day_start = datetime.combine(now.date(), time(), tzinfo=UTC)
        funnel = FunnelState(
            owners=self._owners(),
            assignments=store.owner_loads(connection, Stage.SQL),
            new_leads_today=store.stage_entries_since(connection, Stage.LEAD, day_start),
            new_leads_last_7_days=store.stage_entries_since(
                connection, Stage.LEAD, now - timedelta(days=7)
            ),
        )
        pending = store.pending_effect_keys(connection, ids)
        planned_effects: list[Effect] = []
        moves: list[TransitionRecord] = []
        judged: list[tuple[Contact, dict]] = []
        for contact in contacts:
            known = stored.get(contact.id)
            evaluation = evaluate(
                contact,
                history.get(contact.id, ()),
                config.ruleset,
                now,
                recycled_at=known.recycled_at if known else None,
            )
            episode = episodes.get(contact.id, 0)
            moves += _transitions(contact, known, evaluation, episode, now)
            if evaluation.newly_recycled:
                episode += 1
            state = ContactState(
                contact=contact,
                activities=history.get(contact.id, ()),
                written=known.written_properties if known else {},
                nurture=[
                    PlannedStep(r.idempotency_key, int(r.payload.get("step", 0)), r.state, r.due_at)
                    for r in nurture.get(contact.id, ())
                ],
                episode=episode,
                emails_sent_last_7_days=sum(
                    1
                    for r in nurture.get(contact.id, ())
                    if r.sent_at and r.sent_at >= now - EMAIL_CAP_WINDOW
                ),
            )
            tid = (
                transition_id(contact.id, evaluation.transition.to_stage, episode)
                if evaluation.transition
                else None
            )
            planned = plan(evaluation, state, funnel, config, tid, now)
            keep = [effect.idempotency_key for effect in planned.effects]
            cancellable = [k for k in pending.get(contact.id, ()) if k not in keep]
            for prefix in planned.cancel_keys_with_prefix:
                if any(key.startswith(prefix) for key in cancellable):
                    store.cancel_pending_effects(
                        connection, contact.id, key_prefix=prefix, keep=keep
                    )
            planned_effects += planned.effects
            owner = planned.assigned_owner or contact.owner_id
            if planned.assigned_owner:
                funnel = replace(
                    funnel,
                    assignments={**funnel.assignments, owner: funnel.assignments.get(owner, 0) + 1},
                )
            judged.append(
                (
                    contact,
                    {
                        "owner_id": owner,
                        "stage": evaluation.stage,
                        "fit_score": evaluation.fit,
                        "engagement_score": evaluation.engagement,
                        "score": evaluation.score,
                        "model": evaluation.model,
                        "persona": evaluation.persona,
                        "recycled_at": evaluation.recycled_at if evaluation.recycled else None,
                        "evaluated_at": now,
                        "config_version": evaluation.config_version,
                    },
                )
            )
        # Written per batch: no contact's plan depends on another's rows (the funnel
        # counts, read before the loop, follow the batch's assignments in memory).
        store.save_contacts(connection, judged, now)
        return RefreshOutcome(
            len(contacts),
            store.record_transitions(connection, moves),
            store.plan_effects(connection, planned_effects, now),
        )


def _transitions(
    contact: Contact,
    known: StoredContact | None,
    evaluation: Evaluation,
    episode: int,
    now: datetime,
) -> list[TransitionRecord]:
    """The engine's transition, a recycle, or a move a person made in HubSpot."""
    records = []
    if evaluation.transition is not None:
        move = evaluation.transition
        records.append(
            TransitionRecord(
                transition_id(contact.id, move.to_stage, episode),
                contact.id,
                move.from_stage,
                move.to_stage,
                "advance",
                move.at if known else _earned_at(contact, evaluation, move.to_stage, move.at),
                reasons_record(evaluation),
                evaluation.config_version,
            )
        )
    elif contact.stage and stage_rank(contact.stage) > stage_rank(known.stage if known else None):
        records.append(
            TransitionRecord(
                transition_id(contact.id, contact.stage, episode),
                contact.id,
                known.stage if known else None,
                contact.stage,
                "advance",
                _observed_at(contact, contact.stage, now),
                [
                    {
                        "rule_id": "hubspot",
                        "label": "Set in HubSpot",
                        "points": 0,
                        "evidence": [],
                    }
                ],
                evaluation.config_version,
            )
        )
    if evaluation.newly_recycled:
        records.append(
            TransitionRecord(
                transition_id(contact.id, "recycle", episode + 1),
                contact.id,
                evaluation.stage,
                evaluation.stage or "",
                "recycle",
                now,
                reasons_record(evaluation),
                evaluation.config_version,
            )
        )
    return records
