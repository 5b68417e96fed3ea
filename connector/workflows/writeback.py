"""The write-back of an evaluation (issue 7) as one outbox effect, only for what changed.

A property is written when its new value differs both from what leadflow
last wrote and from what HubSpot holds now: an unchanged value costs no call,
and a value a person changed in HubSpot is left alone until leadflow's own
value moves. Each new write-back replaces the contact's older pending one
(the dispatcher would send the same values again anyway). Scores that only
drift by decay are written once they have moved a whole point (`only_drift`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime

from connector.domain import Effect, EffectKind
from connector.lifecycle import Evaluation, Ruleset, writeback_properties
from connector.workflows.state import ContactState

DRIFT_POINTS = 1.0
# json.dumps(..., ensure_ascii=False) would build this encoder anew at every call.
_JSON = json.JSONEncoder(ensure_ascii=False)


def writeback_prefix(contact_id: str) -> str:
    return f"writeback:{contact_id}:"


def epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def values_digest(properties: Mapping[str, str]) -> str:
    """8 hex digits that change whenever a name or a value does."""
    text = _JSON.encode(sorted(properties.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def changed(wanted: Mapping[str, str], state: ContactState) -> dict[str, str]:
    """The values of `wanted` that differ from both the written and the current value."""
    current, written = state.contact.properties, state.written
    return {
        name: value
        for name, value in wanted.items()
        if value != written.get(name) and value != current.get(name)
    }


def only_drift(properties: Mapping[str, str], rules: Ruleset, state: ContactState) -> bool:
    """True when all that changed is scores drifting by under `DRIFT_POINTS` from what
    HubSpot was last given (decay, hour by hour) and the reason that quotes them.

    Writing such a drift would change the contact in HubSpot, bring it back in the
    next hourly pull, drift again and be written again, for ever; a score that
    moved a whole point, a new rule, a stage or a persona is written at once.
    """
    names = rules.writeback
    scores = {names.score, names.fit, names.engagement} - {None}
    moved = scores & set(properties)
    if not moved or not set(properties) <= scores | {names.reason}:
        return False
    before = {**state.contact.properties, **state.written}
    for name in moved:
        old, new = _number(before.get(name)), _number(properties[name])
        if old is None or new is None or abs(new - old) >= DRIFT_POINTS:
            return False
    return True


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text else None
    except ValueError:
        return None


def due_properties(
    evaluation: Evaluation,
    state: ContactState,
    rules: Ruleset,
    extra: Mapping[str, str],
    *,
    render_reason: bool = True,
) -> dict[str, str] | None:
    """The properties a write-back of `evaluation` carries, None when none is due: those
    of `writeback_properties` and `extra` that `changed`, unless all that changed is a
    drift (`only_drift`).

    Rendering the reason costs more than the rest of the evaluation. With
    `render_reason` False (for a caller that only counts write-backs) it is
    rendered only when the answer depends on it, which is when nothing else
    changed: whether a write-back is due is still exact, but its properties then
    leave out a reason that was not needed to decide. (The reason never decides
    a drift: `only_drift` gives the same answer with it and without it.)
    """
    properties = changed(
        {**writeback_properties(evaluation, rules, reason=render_reason), **extra}, state
    )
    if not properties and not render_reason:
        properties = changed({**writeback_properties(evaluation, rules), **extra}, state)
    if not properties or only_drift(properties, rules, state):
        return None
    return properties


def plan_writeback(
    evaluation: Evaluation,
    state: ContactState,
    rules: Ruleset,
    extra: Mapping[str, str],
    transition_id: str | None,
    now: datetime,
    *,
    render_reason: bool = True,
) -> Effect | None:
    """An UPDATE_CONTACT effect with the `due_properties` of the evaluation and `extra`
    (e.g. the owner routing assigned), keyed `writeback:{contact}:{evaluated_at ms}:{digest}`
    (the digest of the values: two judgments in one instant that want different values
    are two write-backs, the later replacing the earlier); None when nothing changed.

    With `render_reason` False the effect is only good for counting: its properties
    may leave the reason out, so its key carries no digest of them."""
    properties = due_properties(evaluation, state, rules, extra, render_reason=render_reason)
    if properties is None:
        return None
    contact_id = state.contact.id
    key = f"{writeback_prefix(contact_id)}{epoch_ms(evaluation.evaluated_at)}"
    return Effect(
        idempotency_key=f"{key}:{values_digest(properties)}" if render_reason else key,
        kind=EffectKind.UPDATE_CONTACT,
        contact_id=contact_id,
        payload={"properties": properties},
        due_at=now,
        transition_id=transition_id if evaluation.transition else None,
    )
