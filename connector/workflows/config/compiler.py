"""Validated config files → the engine's `Ruleset`, once per config version.

Activity tests are numbered as they are met: first those of the stage,
checklist and persona rules (shared by every scoring model), then each
model's engagement rules after them, so a stage condition reads the same
slot whichever model scored the contact.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from connector.domain import Stage
from connector.lifecycle import (
    STAGE_RULE_PREFIX,
    ActivityCondition,
    ActivityTest,
    AllOf,
    AnyOf,
    ChecklistItem,
    ChecklistStage,
    Condition,
    EngagementRule,
    FitRule,
    Persona,
    PropertyCondition,
    PropertyTest,
    Recycle,
    Ruleset,
    ScoringModel,
    Signal,
    SignalStage,
    Writeback,
)
from connector.lifecycle import conditions as tests
from connector.lifecycle.activity_index import KindIndex
from connector.workflows.config.conditions import (
    ActivityFilterSpec,
    ActivityTestSpec,
    AllOfSpec,
    AnyOfSpec,
    PropertyTestSpec,
)
from connector.workflows.config.lifecycle import LifecycleFile, SignalStageSpec
from connector.workflows.config.scoring import ScoringFile, ScoringModelSpec

_SIGNAL_STAGES = (("lead", Stage.LEAD), ("marketingqualifiedlead", Stage.MQL))


def _scalar(value: str | int | float | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def property_test(spec: PropertyTestSpec) -> PropertyTest:
    if spec.equals is not None:
        check = tests.equals(_scalar(spec.equals))
    elif spec.in_ is not None:
        check = tests.one_of(tuple(_scalar(value) for value in spec.in_))
    elif spec.regex is not None:
        check = tests.matches(spec.regex)
    elif spec.present is not None:
        check = tests.present(spec.present)
    else:
        check = tests.in_range(spec.min, spec.max)
    return PropertyTest(spec.property, check)


def activity_test(spec: ActivityFilterSpec) -> ActivityTest:
    fields = tuple((name, tests.compile_regex(pattern)) for name, pattern in spec.match.items())
    window = spec.within_days if spec.within_days is not None else tests.NO_WINDOW
    return ActivityTest(spec.activity.value, fields, window)


class _Compiler:
    def __init__(self) -> None:
        self.shared_tests: list[ActivityTest] = []
        self.properties: set[str] = set()

    def _property(self, spec: PropertyTestSpec) -> PropertyTest:
        self.properties.add(spec.property)
        return property_test(spec)

    def condition(self, spec: Any) -> Condition:
        if isinstance(spec, PropertyTestSpec):
            return PropertyCondition(self._property(spec))
        if isinstance(spec, ActivityTestSpec):
            self.shared_tests.append(activity_test(spec))
            return ActivityCondition(len(self.shared_tests) - 1, spec.at_least)
        if isinstance(spec, AnyOfSpec):
            return AnyOf(tuple(self.condition(child) for child in spec.any))
        if isinstance(spec, AllOfSpec):
            return AllOf(tuple(self.condition(child) for child in spec.all))
        raise TypeError(f"not a condition: {spec!r}")

    def signal_stage(self, spec: SignalStageSpec, stage: Stage) -> SignalStage:
        prefix = STAGE_RULE_PREFIX[stage]
        signals = tuple(
            Signal(f"{prefix}{signal.id}", signal.label, self.condition(signal.when))
            for signal in spec.signals
        )
        minimum = spec.min_score if spec.min_score is not None else math.inf
        return SignalStage(stage, minimum, dict(spec.min_score_by_model), signals)

    def model(self, spec: ScoringModelSpec) -> ScoringModel:
        first = len(self.shared_tests)
        engagement = tuple(
            EngagementRule(
                f"engagement.{rule.id}",
                rule.label,
                rule.points,
                rule.cap if rule.cap is not None else math.inf,
                first + index,
            )
            for index, rule in enumerate(spec.engagement)
        )
        every_test = [*self.shared_tests, *(activity_test(rule) for rule in spec.engagement)]
        by_kind: defaultdict[str, list[tuple[int, ActivityTest]]] = defaultdict(list)
        for slot, test in enumerate(every_test):
            by_kind[test.kind].append((slot, test))
        caps = spec.caps
        return ScoringModel(
            id=spec.id,
            label=spec.label or spec.id,
            segment=self.condition(spec.segment) if spec.segment is not None else None,
            fit_rules=tuple(
                FitRule(f"fit.{rule.id}", rule.label, rule.points, self._property(rule))
                for rule in spec.fit
            ),
            engagement_rules=engagement,
            half_life_days=spec.decay.half_life_days if spec.decay else math.inf,
            fit_cap=caps.fit if caps.fit is not None else math.inf,
            engagement_cap=caps.engagement if caps.engagement is not None else math.inf,
            by_kind={kind: KindIndex.of(tuple(pairs)) for kind, pairs in by_kind.items()},
            windows=tuple(test.within_days for test in every_test),
            slot_points=(0.0,) * first + tuple(rule.points for rule in spec.engagement),
        )


def compile_ruleset(version: str, scoring: ScoringFile, lifecycle: LifecycleFile) -> Ruleset:
    """The engine's form of the two files; `version` is the config's content hash."""
    compiler = _Compiler()
    stages = lifecycle.stages
    signal_stages = tuple(
        compiler.signal_stage(spec, stage)
        for key, stage in _SIGNAL_STAGES
        if (spec := getattr(stages, key)) is not None
    )
    checklist = None
    if (sql := stages.salesqualifiedlead) is not None:
        items = tuple(
            ChecklistItem(
                f"{STAGE_RULE_PREFIX[Stage.SQL]}{item.id}",
                item.id,
                item.label,
                item.required,
                compiler.condition(item.when),
            )
            for item in sql.checklist
        )
        checklist = ChecklistStage(
            Stage.SQL,
            items,
            sql.at_least if sql.at_least is not None else len(items),
            sql.min_score if sql.min_score is not None else -math.inf,
        )
    personas = tuple(
        Persona(
            f"persona.{persona.id}",
            persona.id,
            persona.label,
            compiler.condition(persona.when) if persona.when is not None else None,
        )
        for persona in lifecycle.personas
    )
    recycle = None
    if lifecycle.recycle is not None:
        values = frozenset(value.strip().upper() for value in lifecycle.recycle.values)
        recycle = Recycle(lifecycle.recycle.property, values)
        compiler.properties.add(recycle.property)
    # Models last: their engagement slots follow every shared test compiled above.
    models = tuple(compiler.model(spec) for spec in scoring.models)
    return Ruleset(
        version=version,
        models=models,
        signal_stages=signal_stages,
        checklist=checklist,
        recycle=recycle,
        personas=personas,
        writeback=Writeback(**lifecycle.write_back.model_dump()),
        properties=frozenset(compiler.properties),
    )
