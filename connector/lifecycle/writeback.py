"""What the connector writes back to HubSpot for an evaluation."""

from __future__ import annotations

from connector.lifecycle.evaluation import Evaluation, format_number
from connector.lifecycle.rules import Ruleset


def writeback_properties(
    evaluation: Evaluation, rules: Ruleset, *, reason: bool = True
) -> dict[str, str]:
    """HubSpot property name → value, named as lifecycle.yaml's `write_back` says.

    A property the config leaves out is not written. The stage is included only
    with a transition: rewriting an unchanged stage is at best a no-op and at
    worst races a person's edit. The persona is included once one is assigned.
    The reason (the evaluation's summary) costs more to render than all the
    rest; `reason=False` leaves it out.
    """
    names = rules.writeback
    transition = evaluation.transition
    values = (
        (names.stage, transition.to_stage.value if transition else None),
        (names.score, format_number(evaluation.score)),
        (names.fit, format_number(evaluation.fit)),
        (names.engagement, format_number(evaluation.engagement)),
        (names.model, evaluation.model),
        (names.persona, evaluation.persona),
    )
    found = {name: value for name, value in values if name and value is not None}
    if reason and names.reason:
        found[names.reason] = evaluation.summary
    return found
