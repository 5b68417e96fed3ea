"""Which stage a contact has earned, where it should stand, and who it is.

Stages only move forward (HubSpot ignores backward writes too): the stage a
contact should have is the further along of its HubSpot stage and the stage
its rules earned, so a stage a person set further along is adopted.
Deciding uses cheap yes/no tests; the reasons are built only when asked for.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from connector.domain import Stage, stage_rank
from connector.lifecycle.conditions import Facts
from connector.lifecycle.evaluation import (
    STAGE_RULE_PREFIX,
    ChecklistAnswer,
    Evidence,
    Reason,
    format_number,
)
from connector.lifecycle.rules import ChecklistStage, Persona, Recycle, Ruleset, SignalStage

MQL_RANK = stage_rank(Stage.MQL)
# Every evaluation ranks a stage or two, and a portal has only a handful of stage values.
_rank = lru_cache(maxsize=64)(stage_rank)


def checklist_met(rule: ChecklistStage, score: float, facts: Facts) -> bool:
    """SQL: every required item met, at least `at_least` met, score at least `min_score`."""
    if score < rule.min_score:
        return False
    met = 0
    for item in rule.items:
        if item.condition.holds(facts):
            met += 1
        elif item.required:
            return False
    return met >= rule.at_least


def signals_met(rule: SignalStage, model_id: str, score: float, facts: Facts) -> bool:
    """Lead, MQL: the score threshold is reached, or any one signal fires."""
    if score >= rule.threshold(model_id):
        return True
    # A plain loop: any()/all() over a generator cost twice as much on this hot path.
    for signal in rule.signals:  # noqa: SIM110
        if signal.condition.holds(facts):
            return True
    return False


def earned_stage(rules: Ruleset, model_id: str, score: float, facts: Facts) -> Stage | None:
    """The furthest stage the rules earn, trying the furthest first."""
    if rules.checklist is not None and checklist_met(rules.checklist, score, facts):
        return rules.checklist.stage
    for rule in reversed(rules.signal_stages):
        if signals_met(rule, model_id, score, facts):
            return rule.stage
    return None


def resolve_stage(current: str | None, earned: Stage | None) -> str | None:
    """The stage the contact should have: never behind `current`.

    A non-empty `current` that is not a known stage (a custom stage an admin
    added in HubSpot) cannot be placed in the funnel, so it is left alone.
    """
    if earned is None:
        return current
    current_rank = _rank(current)
    if current and current_rank < 0:
        return current
    return earned if _rank(earned) > current_rank else current


def recycle_status(recycle: Recycle | None, properties: Mapping[str, str]) -> str | None:
    """The lead status with which sales sent the contact back, or None."""
    if recycle is None:
        return None
    status = properties.get(recycle.property)
    if not isinstance(status, str):
        return None
    status = status.strip().upper()
    return status if status in recycle.values else None


def new_persona(
    personas: tuple[Persona, ...], kept: str | None, stage: str | None, facts: Facts
) -> Persona | None:
    """The persona to assign now: none while one is `kept` on the contact or
    before it is an MQL, else the first that matches."""
    if kept or _rank(stage) < MQL_RANK:
        return None
    for persona in personas:
        if persona.condition is None or persona.condition.holds(facts):
            return persona
    return None


def threshold_reason(stage: Stage, score: float, threshold: float) -> Reason:
    note = Evidence(note=f"score {format_number(score)} ≥ {format_number(threshold)}")
    label = f"Score at least {format_number(threshold)}"
    return Reason(f"{STAGE_RULE_PREFIX[stage]}min_score", label, 0.0, (note,))


def signal_reasons(rule: SignalStage, model_id: str, score: float, facts: Facts) -> list[Reason]:
    """The threshold if reached, and every signal that fired, with evidence."""
    reasons = []
    threshold = rule.threshold(model_id)
    if score >= threshold:
        reasons.append(threshold_reason(rule.stage, score, threshold))
    for signal in rule.signals:
        evidence = signal.condition.evidence(facts)
        if evidence is not None:
            reasons.append(Reason(signal.ref, signal.label, 0.0, evidence))
    return reasons


def answer_checklist(rule: ChecklistStage, facts: Facts) -> tuple[ChecklistAnswer, ...]:
    """Every checklist item, met or not, with the evidence of those met."""
    answers = []
    for item in rule.items:
        evidence = item.condition.evidence(facts)
        met = evidence is not None
        answers.append(
            ChecklistAnswer(item.item_id, item.label, item.required, met, evidence or ())
        )
    return tuple(answers)


def persona_reason(persona: Persona, facts: Facts) -> Reason:
    evidence = persona.condition.evidence(facts) if persona.condition is not None else None
    return Reason(persona.ref, f"Persona: {persona.label}", 0.0, evidence or ())
