"""`plan`: everything leadflow asks of HubSpot after one evaluation of one contact.

Pure: no I/O, no clock. The lead's sync calls it in the transaction that
records the evaluation and its transition, cancels the pending effects whose
keys start with a returned prefix, then inserts the returned effects (a key
already in the outbox is ignored, so replaying an evaluation plans nothing new).
"""

from __future__ import annotations

from datetime import datetime

from connector.domain import Effect
from connector.lifecycle import Evaluation
from connector.workflows.config.loader import Config
from connector.workflows.config.routing import RoutingFile
from connector.workflows.nurture import plan_nurture
from connector.workflows.routing import call_kind, call_task, call_task_prefixes, task_owner
from connector.workflows.state import ContactState, FunnelState, Plan, PlannedStep
from connector.workflows.writeback import plan_writeback, writeback_prefix

__all__ = ["ContactState", "FunnelState", "Plan", "PlannedStep", "plan", "routing_of"]

OWNER_PROPERTY = "hubspot_owner_id"
_DEFAULT_ROUTING = RoutingFile()


def routing_of(config: Config) -> RoutingFile:
    """routing.yaml, or its defaults when the file is absent."""
    routing = config.sections.get("routing.yaml")
    return routing if isinstance(routing, RoutingFile) else _DEFAULT_ROUTING


def plan(
    evaluation: Evaluation,
    state: ContactState,
    funnel: FunnelState,
    config: Config,
    transition_id: str | None,
    now: datetime,
    *,
    render_reason: bool = True,
) -> Plan:
    """The effects of one evaluation, in this order:

    1. Routing: a transition to SQL (or to MQL with a high fit) earns one CALL
       task, keyed on `transition_id`, for the contact's owner; an ownerless
       contact gets the next rep of the round robin as its owner.
    2. Recycle: a lead sales just sent back has its CALL tasks not yet created
       cancelled.
    3. Nurture (when nurture.yaml exists): enrol, exit or re-enter.
    4. Write-back: the lifecycle properties that changed, and the owner routing
       assigned, replacing the contact's older pending write-back.

    `render_reason=False` is for callers that only count the effects: the
    write-back is decided exactly without rendering its reason, but is only good
    for counting (see `writeback.plan_writeback`).
    """
    contact_id = state.contact.id
    effects: list[Effect] = []
    cancel: list[str] = []
    routing = routing_of(config)
    owner_id, assigned = state.contact.owner_id, None
    kind = call_kind(evaluation, routing)
    if kind is not None and transition_id is not None:
        owner_id, routed = task_owner(state.contact, routing, funnel)
        assigned = owner_id if routed else None
        owner = next((o for o in funnel.owners if o.id == owner_id), None)
        effects.append(
            call_task(kind, evaluation, state, routing, owner, owner_id, transition_id, now)
        )
    if evaluation.newly_recycled:
        cancel += call_task_prefixes(contact_id)
    if config.nurture is not None:
        nurture = plan_nurture(
            evaluation, state, funnel, config.nurture, config.templates, owner_id, now
        )
        effects += nurture.effects
        cancel += nurture.cancel
    extra = {OWNER_PROPERTY: assigned} if assigned else {}
    writeback = plan_writeback(
        evaluation,
        state,
        config.ruleset,
        extra,
        transition_id,
        now,
        render_reason=render_reason,
    )
    if writeback is not None:
        effects.insert(0, writeback)
        cancel.insert(0, writeback_prefix(contact_id))
    return Plan(effects=effects, cancel_keys_with_prefix=cancel, assigned_owner=assigned)
