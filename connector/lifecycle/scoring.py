"""Fit and engagement: who the contact is, and what it did lately.

This is the hot path of every evaluation: it reads compiled rules only,
walks the contact's activity once, and builds reasons only when asked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from math import exp2

from connector.domain import Activity
from connector.lifecycle.conditions import Facts, Tally
from connector.lifecycle.evaluation import Evidence, Reason
from connector.lifecycle.rules import ScoringModel

SECONDS_PER_DAY = 86_400.0
_NO_FACTS = Tally([], [], [])


def choose_model(models: tuple[ScoringModel, ...], properties: Mapping[str, str]) -> ScoringModel:
    """The first model whose segment matches; the config guarantees the last has none."""
    facts = Facts(properties, _NO_FACTS)
    for model in models:
        if model.segment is None or model.segment.holds(facts):
            return model
    return models[-1]


def _aware(moment: object) -> datetime | None:
    """A naive time is taken as UTC; anything that is not a time is skipped."""
    if not isinstance(moment, datetime):
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def tally(
    model: ScoringModel, activities: Iterable[Activity], now: datetime, since: datetime | None
) -> Tally:
    """One pass over `activities` that fills every slot of `model`.

    1. Activity before `since` (a recycle) is ignored.
    2. Its age in days is taken from `now`; activity from the future counts as new.
    3. For each test it passes (see `KindIndex`) and whose window it is in:
       count it and keep the latest one.
    4. Engagement slots add their points: positive points decayed by
       2^(-age / half-life), negative points in full.
    """
    size = len(model.slot_points)
    counts = [0] * size
    points = [0.0] * size
    latest: list[Activity | None] = [None] * size
    latest_at: list[datetime | None] = [None] * size
    by_kind = model.by_kind
    windows = model.windows
    slot_points = model.slot_points
    half_life = model.half_life_days
    for activity in activities:
        index = by_kind.get(activity.kind)
        if index is None:
            continue
        moment = activity.occurred_at
        try:
            if since is not None and moment < since:
                continue
            age = (now - moment).total_seconds() / SECONDS_PER_DAY
        except TypeError:
            moment = _aware(moment)
            if moment is None or (since is not None and moment < since):
                continue
            age = (now - moment).total_seconds() / SECONDS_PER_DAY
        if age < 0.0:
            age = 0.0
        decay = -1.0
        for slot in index.passing(activity.details):
            if age > windows[slot]:
                continue
            counts[slot] += 1
            previous = latest_at[slot]
            if previous is None or moment >= previous:
                latest[slot] = activity
                latest_at[slot] = moment
            earned = slot_points[slot]
            if earned > 0.0:
                if decay < 0.0:
                    decay = exp2(-age / half_life)
                points[slot] += earned * decay
            elif earned < 0.0:
                points[slot] += earned
    return Tally(counts, points, latest)


def fit_score(model: ScoringModel, properties: Mapping[str, str]) -> float:
    """The sum of the fit rules that hold, at most the model's fit cap."""
    total = 0.0
    for rule in model.fit_rules:
        if rule.test.holds(properties):
            total += rule.points
    return min(total, model.fit_cap)


def fit_reasons(model: ScoringModel, properties: Mapping[str, str]) -> list[Reason]:
    """A reason per fit rule that holds, with the property value as evidence."""
    reasons = []
    for rule in model.fit_rules:
        value = rule.test.value(properties)
        if rule.test.check(value):
            evidence = (Evidence(property=rule.test.property, value=value),)
            reasons.append(Reason(rule.ref, rule.label, rule.points, evidence))
    return reasons


def _rule_points(earned: float, cap: float) -> float:
    return min(earned, cap) if earned > 0.0 else max(earned, -cap)


def engagement_score(model: ScoringModel, counted: Tally) -> float:
    """Each engagement rule's decayed points within its cap, summed, at most the
    model's engagement cap."""
    total = 0.0
    points = counted.points
    for rule in model.engagement_rules:
        earned = points[rule.slot]
        if earned:
            total += _rule_points(earned, rule.cap)
    return min(total, model.engagement_cap)


def engagement_reasons(model: ScoringModel, counted: Tally) -> list[Reason]:
    """A reason per engagement rule that matched activity, with the latest one as evidence."""
    reasons = []
    for rule in model.engagement_rules:
        count = counted.counts[rule.slot]
        if count:
            earned = round(_rule_points(counted.points[rule.slot], rule.cap), 1)
            evidence = (Evidence(activity=counted.latest[rule.slot], count=count),)
            reasons.append(Reason(rule.ref, rule.label, earned, evidence))
    return reasons
