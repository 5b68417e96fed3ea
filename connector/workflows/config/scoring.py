"""`scoring.yaml`: scoring models, each with fit and engagement rules for a segment."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field, PositiveFloat

from connector.workflows.config.conditions import (
    ActivityFilterSpec,
    Condition,
    Id,
    Label,
    PropertyTestSpec,
    StrictModel,
    activity_tests,
    duplicate_ids,
)
from connector.workflows.config.source import Loc


class FitRuleSpec(PropertyTestSpec):
    """`points` (negative allowed) when the property test holds."""

    id: Id
    label: Label
    points: float


class EngagementRuleSpec(ActivityFilterSpec):
    """`points` per matching activity, at most `cap` from this rule in all."""

    id: Id
    label: Label
    points: float
    cap: PositiveFloat | None = None


class DecaySpec(StrictModel):
    half_life_days: PositiveFloat


class CapsSpec(StrictModel):
    fit: float | None = None
    engagement: float | None = None


class ScoringModelSpec(StrictModel):
    id: Id
    label: str = ""
    segment: Condition | None = None
    fit: list[FitRuleSpec] = Field(default_factory=list)
    engagement: list[EngagementRuleSpec] = Field(default_factory=list)
    decay: DecaySpec | None = None
    caps: CapsSpec = Field(default_factory=CapsSpec)


class ScoringFile(StrictModel):
    """Models in order: the first whose segment matches scores the contact; the
    last has no segment and catches everyone else."""

    models: list[ScoringModelSpec] = Field(min_length=1)

    def problems(self) -> Iterator[tuple[Loc, str]]:
        yield from duplicate_ids(self.models, ("models",))
        last = len(self.models) - 1
        for index, model in enumerate(self.models):
            loc: Loc = ("models", index)
            yield from duplicate_ids(model.fit, (*loc, "fit"))
            yield from duplicate_ids(model.engagement, (*loc, "engagement"))
            if index < last and model.segment is None:
                yield loc, "only the last model may leave out `segment` (it is the default model)"
            if index == last and model.segment is not None:
                yield (*loc, "segment"), "the last model is the default: remove its segment"
            for path in activity_tests(model.segment, (*loc, "segment")):
                yield path, "a segment can only test properties, not activity"
