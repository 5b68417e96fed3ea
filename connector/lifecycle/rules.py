"""The compiled config: plain values the engine reads, built once per config version.

`connector.workflows` validates the admins' YAML and compiles it into a
`Ruleset`; nothing here is built per contact. Each scoring model carries an
index from activity kind to the activity tests that care about it (its own
engagement rules plus every activity test of the stage, checklist and persona
rules), so one pass over a contact's activity fills every slot at once.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from connector.domain import Stage
from connector.lifecycle.activity_index import KindIndex
from connector.lifecycle.conditions import Condition, PropertyTest

NO_CAP = math.inf


@dataclass(frozen=True, slots=True)
class FitRule:
    """`points` when the property test holds. `ref` is the reason id (`fit.<id>`)."""

    ref: str
    label: str
    points: float
    test: PropertyTest


@dataclass(frozen=True, slots=True)
class EngagementRule:
    """`points` per matching activity (decayed when positive), at most `cap` in all.

    Negative points (unsubscribes, bounces) do not fade: a penalty lasts for
    as long as the activity is inside the rule's window.
    """

    ref: str
    label: str
    points: float
    cap: float
    slot: int


@dataclass(frozen=True, slots=True)
class ScoringModel:
    """Scores the contacts its `segment` matches (None: every contact).

    `by_kind` maps an activity kind to the tests that look at it; per slot,
    `windows` gives the test's window in days (`inf`: none) and `slot_points`
    its engagement points (0 for slots that only count, such as a stage
    signal's). `half_life_days` is `inf` without decay.
    """

    id: str
    label: str
    segment: Condition | None
    fit_rules: tuple[FitRule, ...]
    engagement_rules: tuple[EngagementRule, ...]
    half_life_days: float
    fit_cap: float
    engagement_cap: float
    by_kind: Mapping[str, KindIndex]
    windows: tuple[float, ...]
    slot_points: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class Signal:
    ref: str
    label: str
    condition: Condition


@dataclass(frozen=True, slots=True)
class SignalStage:
    """A stage earned by a score threshold or by any one of its signals (lead, MQL).

    `min_score_by_model` overrides `min_score` for contacts scored by that model;
    a threshold of `inf` means the score alone never earns the stage.
    """

    stage: Stage
    min_score: float
    min_score_by_model: Mapping[str, float]
    signals: tuple[Signal, ...]

    def threshold(self, model_id: str) -> float:
        return self.min_score_by_model.get(model_id, self.min_score)


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    ref: str
    item_id: str
    label: str
    required: bool
    condition: Condition


@dataclass(frozen=True, slots=True)
class ChecklistStage:
    """The SQL checklist: every required item, at least `at_least` items in all,
    and a score of at least `min_score` (`-inf` when there is no threshold)."""

    stage: Stage
    items: tuple[ChecklistItem, ...]
    at_least: int
    min_score: float


@dataclass(frozen=True, slots=True)
class Recycle:
    """Sales sent the lead back when `property` holds one of `values` (upper-cased)."""

    property: str
    values: frozenset[str]


@dataclass(frozen=True, slots=True)
class Persona:
    """Assigned to MQLs in order, first match; `condition` None matches everyone."""

    ref: str
    id: str
    label: str
    condition: Condition | None


@dataclass(frozen=True, slots=True)
class Writeback:
    """HubSpot property names the evaluation is written to; None: not written."""

    stage: str | None = None
    score: str | None = None
    fit: str | None = None
    engagement: str | None = None
    model: str | None = None
    persona: str | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Ruleset:
    """Everything the engine needs, compiled. `version` is the config's content hash.

    `signal_stages` is ordered from the lowest stage up (lead, then MQL).
    """

    version: str
    models: tuple[ScoringModel, ...]
    signal_stages: tuple[SignalStage, ...]
    checklist: ChecklistStage | None
    recycle: Recycle | None
    personas: tuple[Persona, ...]
    writeback: Writeback = field(default_factory=Writeback)
    properties: frozenset[str] = frozenset()
    """Every contact property a rule reads: the gateway must ask HubSpot for them."""
