"""`lifecycle.yaml`: stage rules, recycling, personas and the write-back names."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from pydantic import Field, PositiveInt, model_validator

from connector.workflows.config.conditions import (
    Condition,
    Id,
    Label,
    PropertyName,
    StrictModel,
    duplicate_ids,
)
from connector.workflows.config.source import Loc


class SignalSpec(StrictModel):
    id: Id
    label: Label
    when: Condition


class SignalStageSpec(StrictModel):
    """Earned by a score of at least `min_score`, or by any one signal."""

    min_score: float | None = None
    min_score_by_model: dict[str, float] = Field(default_factory=dict)
    signals: list[SignalSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _can_be_earned(self) -> SignalStageSpec:
        if self.min_score is None and not self.min_score_by_model and not self.signals:
            raise ValueError("give min_score or signals, or this stage can never be earned")
        return self


class ChecklistItemSpec(StrictModel):
    id: Id
    label: Label
    required: bool = False
    when: Condition


class ChecklistStageSpec(StrictModel):
    """Earned when every required item is met, at least `at_least` items are met
    (default: all of them) and the score is at least `min_score` (if given)."""

    checklist: list[ChecklistItemSpec] = Field(min_length=1)
    at_least: PositiveInt | None = None
    min_score: float | None = None


class StagesSpec(StrictModel):
    """Keyed by HubSpot's internal stage values; only these stages are earned by rules."""

    unknown_key_noun: ClassVar[str] = "stage"

    lead: SignalStageSpec | None = None
    marketingqualifiedlead: SignalStageSpec | None = None
    salesqualifiedlead: ChecklistStageSpec | None = None


class RecycleSpec(StrictModel):
    property: PropertyName = "hs_lead_status"
    values: list[str] = Field(min_length=1)


class PersonaSpec(StrictModel):
    id: Id
    label: Label
    when: Condition | None = None


class WriteBackSpec(StrictModel):
    """Property names to write each value to; a value left out is not written."""

    stage: PropertyName | None = None
    score: PropertyName | None = None
    fit: PropertyName | None = None
    engagement: PropertyName | None = None
    model: PropertyName | None = None
    persona: PropertyName | None = None
    reason: PropertyName | None = None


class LifecycleFile(StrictModel):
    stages: StagesSpec
    recycle: RecycleSpec | None = None
    personas: list[PersonaSpec] = Field(default_factory=list)
    write_back: WriteBackSpec = Field(default_factory=WriteBackSpec)

    def problems(self) -> Iterator[tuple[Loc, str]]:
        for key in ("lead", "marketingqualifiedlead"):
            stage = getattr(self.stages, key)
            if stage is not None:
                yield from duplicate_ids(stage.signals, ("stages", key, "signals"))
        sql = self.stages.salesqualifiedlead
        if sql is not None:
            loc: Loc = ("stages", "salesqualifiedlead")
            yield from duplicate_ids(sql.checklist, (*loc, "checklist"))
            if sql.at_least is not None and sql.at_least > len(sql.checklist):
                yield (*loc, "at_least"), f"is more than the {len(sql.checklist)} checklist items"
        yield from duplicate_ids(self.personas, ("personas",))
        for index, persona in enumerate(self.personas[:-1]):
            if persona.when is None:
                yield (
                    ("personas", index + 1),
                    (
                        f"can never match: persona '{persona.id}' before it has no `when`"
                        " and matches everyone"
                    ),
                )
