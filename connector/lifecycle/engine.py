"""`evaluate`: one contact and its activity in, scores, stage and reasons out."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import NamedTuple

from connector.domain import Activity, Contact
from connector.lifecycle.conditions import Facts
from connector.lifecycle.evaluation import Evaluation, Transition
from connector.lifecycle.explanation import Explanation
from connector.lifecycle.rules import Ruleset
from connector.lifecycle.scoring import choose_model, engagement_score, fit_score, tally
from connector.lifecycle.stages import earned_stage, new_persona, recycle_status, resolve_stage


class ContactFacts(NamedTuple):
    """What the store knows of a contact: the input of `evaluate` and `simulate`.

    `recycled_at` is when sales last sent the contact back (the time its lead
    status was set), as remembered from a previous evaluation; None if unknown.
    """

    contact: Contact
    activities: Sequence[Activity]
    recycled_at: datetime | None = None


def evaluate(
    contact: Contact,
    activities: Iterable[Activity],
    rules: Ruleset,
    now: datetime,
    recycled_at: datetime | None = None,
) -> Evaluation:
    """Score `contact` as of `now` (timezone-aware) and decide its stage.

    1. The first scoring model whose segment matches scores the contact.
    2. If sales sent the lead back (its lead status is a recycle value), only
       activity since `recycled_at` counts; when `recycled_at` is None the
       recycle is new and starts `now`, so engagement restarts from zero.
    3. One pass over the activity fills every activity test; fit, engagement
       and the stage rules then read the result.
    4. The stage is the further along of HubSpot's and the earned one; a
       transition exists only when that is ahead of HubSpot's.
    5. A persona is given once the contact is an MQL, and kept after.

    Pure and total: the same inputs give the same evaluation, and no property
    value, however odd, makes it raise.
    """
    properties = contact.properties
    model = choose_model(rules.models, properties)
    status = recycle_status(rules.recycle, properties)
    since = (recycled_at or now) if status else None
    counted = tally(model, activities, now, since)
    fit = round(fit_score(model, properties), 1)
    engagement = round(engagement_score(model, counted), 1)
    score = round(fit + engagement, 1)

    facts = Facts(properties, counted)
    earned = earned_stage(rules, model.id, score, facts)
    current = contact.stage
    stage = resolve_stage(current, earned)
    kept = properties.get(rules.writeback.persona) if rules.writeback.persona else None
    persona = new_persona(rules.personas, kept, stage, facts)
    explanation = Explanation(rules, model, facts, score, earned, persona, status, since)
    transition = None
    if earned is not None and stage == earned and stage != current:
        transition = Transition(contact.id, current, earned, now, rules.version, explanation)
    return Evaluation(
        contact_id=contact.id,
        evaluated_at=now,
        config_version=rules.version,
        model=model.id,
        fit=fit,
        engagement=engagement,
        score=score,
        current_stage=current,
        earned_stage=earned,
        stage=stage,
        transition=transition,
        persona=persona.id if persona is not None else kept or None,
        recycled=status is not None,
        recycled_at=since,
        newly_recycled=status is not None and recycled_at is None,
        explanation=explanation,
    )
