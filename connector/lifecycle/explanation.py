"""Why an evaluation came out as it did, built only when someone asks.

Evaluating a contact only needs sums and yes/no answers; the reasons with
their evidence cost more than the decision itself. An `Explanation` keeps
what the decision saw, so the reasons can be rebuilt from it on demand
(for a transition, `explain`, a simulation sample or the write-back summary).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from connector.domain import Stage
from connector.lifecycle.conditions import Facts
from connector.lifecycle.evaluation import ChecklistAnswer, Evidence, Reason
from connector.lifecycle.rules import Persona, Ruleset, ScoringModel
from connector.lifecycle.scoring import engagement_reasons, fit_reasons
from connector.lifecycle.stages import (
    answer_checklist,
    persona_reason,
    signal_reasons,
    threshold_reason,
)


@dataclass(frozen=True, slots=True)
class Explanation:
    """What one evaluation saw: the rules, the chosen model, the facts, the score,
    the earned stage, the persona it assigned and the recycle it detected."""

    rules: Ruleset
    model: ScoringModel
    facts: Facts
    score: float
    earned: Stage | None
    persona: Persona | None
    recycle_status: str | None
    since: datetime | None
    # A judgment reads its reasons several times (transition, write-back, CALL task).
    _built: dict[str, Any] = field(default_factory=dict, init=False, compare=False, repr=False)

    def score_reasons(self) -> tuple[Reason, ...]:
        """Every fit and engagement rule that fired, with its points."""
        return self._once("score", self._score_reasons)

    def checklist(self) -> tuple[ChecklistAnswer, ...]:
        return self._once("checklist", self._checklist)

    def stage_reasons(self) -> tuple[Reason, ...]:
        """The reasons of every earned stage, the furthest first; then the persona
        assigned and the recycle, if any."""
        return self._once("stage", self._stage_reasons)

    def _once(self, name: str, build: Callable[[], Any]) -> Any:
        if name not in self._built:
            self._built[name] = build()
        return self._built[name]

    def _score_reasons(self) -> tuple[Reason, ...]:
        properties = self.facts.properties
        return (
            *fit_reasons(self.model, properties),
            *engagement_reasons(self.model, self.facts.tally),
        )

    def _checklist(self) -> tuple[ChecklistAnswer, ...]:
        if self.rules.checklist is None:
            return ()
        return answer_checklist(self.rules.checklist, self.facts)

    def _stage_reasons(self) -> tuple[Reason, ...]:
        reasons: list[Reason] = []
        checklist = self.rules.checklist
        if checklist is not None and self.earned is checklist.stage:
            if checklist.min_score > float("-inf"):
                reasons.append(threshold_reason(checklist.stage, self.score, checklist.min_score))
            answers = zip(checklist.items, self.checklist(), strict=True)
            reasons += [
                Reason(item.ref, item.label, 0.0, answer.evidence)
                for item, answer in answers
                if answer.met
            ]
        for rule in reversed(self.rules.signal_stages):
            reasons += signal_reasons(rule, self.model.id, self.score, self.facts)
        if self.persona is not None:
            reasons.append(persona_reason(self.persona, self.facts))
        if self.recycle_status is not None and self.since is not None:
            note = Evidence(note=f"engagement counts from {self.since.date().isoformat()}")
            label = f"Sent back by sales ({self.recycle_status})"
            reasons.append(Reason("recycle", label, 0.0, (note,)))
        return tuple(reasons)
