"""Sales CALL tasks: who gets one, when it is due, and the effect that creates it.

One task per transition: its key is `task:{transition_id}` (SQL) or
`mql-call:{transition_id}` (high-fit MQL), the outbox keeps a key once for
ever, and the dispatcher finds a task HubSpot already has by that key. The
lead's transition ids start with `t:{contact_id}:`, so `task:t:{contact_id}:`
names every SQL task of one contact (what a recycle cancels).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from connector.domain import Contact, Effect, EffectKind, Owner, Stage
from connector.lifecycle import Evaluation
from connector.workflows.config.routing import OwnerRefSpec, RoutingFile
from connector.workflows.state import ContactState, FunnelState
from connector.workflows.task_body import task_body
from connector.workflows.templates import TASK_NAMES, lookup_for, parse_template

SQL_TASK, MQL_TASK = "task", "mql-call"


def call_task_prefixes(contact_id: str) -> list[str]:
    """Key prefixes of every CALL task of a contact (transition ids start `t:{contact}:`)."""
    return [f"{SQL_TASK}:t:{contact_id}:", f"{MQL_TASK}:t:{contact_id}:"]


def find_owner(ref: OwnerRefSpec, owners: Sequence[Owner]) -> Owner | None:
    """The active owner a config entry names, by id or by email."""
    for owner in owners:
        if owner.archived:
            continue
        if owner.id == ref.owner_id or (ref.email and (owner.email or "").lower() == ref.email):
            return owner
    return None


def round_robin(
    routing: RoutingFile, owners: Sequence[Owner], assignments: Mapping[str, int]
) -> str | None:
    """The next rep for an ownerless lead: weighted round robin over the team.

    The team is `routing.team` less unavailable reps and reps who are not
    active owners; an empty team means every active owner, weight 1. The rep
    chosen is the one whose load after one more lead, (held + 1) / weight, is
    smallest; ties go to the rep listed first. Because `assignments` comes from
    the store, a crash or a second replica picks the same way.
    """
    if routing.team:
        members = []
        for member in routing.team:
            owner = find_owner(member, owners) if member.available else None
            if owner is not None:
                members.append((owner.id, member.weight))
    else:
        members = [(owner.id, 1.0) for owner in owners if not owner.archived]
    if not members:
        return None
    ranked = min(
        enumerate(members),
        key=lambda item: ((assignments.get(item[1][0], 0) + 1) / item[1][1], item[0]),
    )
    return ranked[1][0]


def task_owner(
    contact: Contact, routing: RoutingFile, funnel: FunnelState
) -> tuple[str | None, bool]:
    """The owner to task, and whether routing assigned them (the contact had no active owner).

    An owner HubSpot no longer lists as active counts as none, unless no owners
    are known at all.
    """
    current = contact.owner_id
    active = {owner.id for owner in funnel.owners if not owner.archived}
    if current and (not active or current in active):
        return current, False
    chosen = round_robin(routing, funnel.owners, funnel.assignments)
    return chosen, chosen is not None


def call_kind(evaluation: Evaluation, routing: RoutingFile) -> str | None:
    """Which CALL task this evaluation's transition earns: SQL, high-fit MQL, or none.

    A lead sales sent back (recycled) gets no MQL call; a new SQL always gets
    its task, since the engine only counts activity since the recycle.
    """
    transition = evaluation.transition
    if transition is None:
        return None
    if transition.to_stage == Stage.SQL:
        return SQL_TASK
    mql = routing.mql_call
    if (
        transition.to_stage == Stage.MQL
        and mql.enabled
        and evaluation.fit >= mql.min_fit
        and not evaluation.recycled
    ):
        return MQL_TASK
    return None


def call_task(
    kind: str,
    evaluation: Evaluation,
    state: ContactState,
    routing: RoutingFile,
    owner: Owner | None,
    owner_id: str | None,
    transition_id: str,
    now: datetime,
) -> Effect:
    """The CREATE_TASK effect for a CALL task of `kind`; due after the SLA in business hours."""
    if kind == SQL_TASK:
        tier = routing.sql_call.tier(evaluation.score)
        subject, hours, priority = (
            routing.sql_call.subject,
            tier.within_business_hours,
            tier.priority,
        )
    else:
        mql = routing.mql_call
        subject, hours, priority = mql.subject, mql.within_business_hours, mql.priority
    calendar = routing.business_hours
    contact = state.contact
    due = calendar.hours.add(now, timedelta(hours=hours), calendar.zone)
    lookup = lookup_for(contact, owner, evaluation)
    payload = {
        "task_type": "CALL",
        "purpose": "sql_call" if kind == SQL_TASK else "mql_call",
        "owner_id": owner_id,
        "subject": parse_template(subject, TASK_NAMES).render(lookup),
        "body": task_body(evaluation, contact, state.activities, routing.task_body, calendar.zone),
        "due_at": due.isoformat(),
        "priority": priority,
    }
    return Effect(
        idempotency_key=f"{kind}:{transition_id}",
        kind=EffectKind.CREATE_TASK,
        contact_id=contact.id,
        payload=payload,
        due_at=now,
        transition_id=transition_id,
    )
