"""The funnel report: the figures leadership reads, assembled from the store's aggregates.

`build_report` asks the store for a handful of grouped rows and turns them into
a `Report`: funnel counts, cohort conversions, time in stage, nurture and sales
follow-up, overall and, with `by`, per lead source, persona, model or owner.
Counts add up across groups, so the overall figures are sums of the groups';
only the percentiles need their own query.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import astuple, dataclass, field
from datetime import datetime

from connector.reports.figures import Week, percentile, rate, weekly
from connector.store import Store
from connector.store.reporting import (
    FUNNEL,
    MEASURED_STAYS,
    FollowUp,
    NurtureStep,
    Period,
    ReachDay,
    StayBucket,
    StayRanks,
)

PERCENTILES = (0.5, 0.9)
NO_GROUP = "(none)"


@dataclass(frozen=True)
class Conversion:
    """Of the contacts first reaching `from_stage` in the period, how many reached `to_stage`."""

    from_stage: str
    to_stage: str
    cohort: int
    converted: int

    @property
    def rate(self) -> float | None:
        return rate(self.converted, self.cohort)


@dataclass(frozen=True)
class StageTime:
    """Stays in `stage` that ended in the period: how many, and their median and p90 in seconds."""

    stage: str
    stays: int
    median: float | None
    p90: float | None


@dataclass(frozen=True)
class Figures:
    """Every figure of one population: the whole report, or one group of a breakdown."""

    funnel: dict[str, int]
    conversions: list[Conversion]
    time_in_stage: list[StageTime]
    nurture: list[NurtureStep]
    follow_up: FollowUp


@dataclass(frozen=True)
class Report:
    period: Period
    generated_at: datetime
    by: str | None
    overall: Figures
    groups: dict[str, Figures] = field(default_factory=dict)
    weekly: dict[tuple[str, str], list[Week]] = field(default_factory=dict)
    distribution: list[StayBucket] = field(default_factory=list)


def build_report(store: Store, period: Period, now: datetime, by: str | None = None) -> Report:
    """Every figure of the period, as of `now`, optionally broken down `by` a contact field.

    1. Reach per day (grouped) gives the funnel, the cohort conversions and the weekly series.
    2. Stay ranks give medians and p90s: once overall, and once per group when `by` is given.
    3. Nurture steps and follow-up come grouped and are summed for the overall figures.
    """
    reach = store.stage_reach_by_day(period, by)
    stays = store.stay_ranks(period, PERCENTILES)
    nurture = store.nurture_steps(period, by)
    follow_up = store.follow_up(period, now, by)
    overall = _figures(reach, stays, nurture, follow_up)
    groups: dict[str, Figures] = {}
    if by is not None:
        group_stays = _by_group(store.stay_ranks(period, PERCENTILES, by))
        group_reach, group_nurture = _by_group(reach), _by_group(nurture)
        group_follow_up = _by_group(follow_up)
        names = set(group_reach) | set(group_stays) | set(group_nurture) | set(group_follow_up)
        groups = {
            _label(name): _figures(
                group_reach.get(name, []),
                group_stays.get(name, []),
                group_nurture.get(name, []),
                group_follow_up.get(name, []),
            )
            for name in sorted(names, key=lambda name: (name is None, name or ""))
        }
    return Report(
        period=period,
        generated_at=now,
        by=by,
        overall=overall,
        groups=groups,
        weekly=_weekly(reach, period),
        distribution=store.stay_distribution(period),
    )


def _figures(
    reach: list[ReachDay],
    stays: list[StayRanks],
    nurture: list[NurtureStep],
    follow_up: list[FollowUp],
) -> Figures:
    reached: dict[str, int] = dict.fromkeys((stage.value for stage in FUNNEL), 0)
    converted: dict[str, int] = defaultdict(int)
    for row in reach:
        reached[row.stage] += row.reached
        converted[row.stage] += row.converted
    conversions = [
        Conversion(a.value, b.value, reached[a.value], converted[a.value])
        for a, b in zip(FUNNEL, FUNNEL[1:], strict=False)
    ]
    return Figures(
        funnel=reached,
        conversions=conversions,
        time_in_stage=_stage_times(stays),
        nurture=_nurture(nurture),
        follow_up=_sum_follow_up(follow_up),
    )


def _stage_times(stays: list[StayRanks]) -> list[StageTime]:
    found = {row.stage: row for row in stays}
    times = []
    for stage in MEASURED_STAYS:
        row = found.get(stage.value)
        count, ranked = (row.count, row.ranked) if row else (0, {})
        median, p90 = (percentile(p, count, ranked) for p in PERCENTILES)
        times.append(StageTime(stage.value, count, median, p90))
    return times


def _nurture(rows: list[NurtureStep]) -> list[NurtureStep]:
    """Steps summed over groups (the result has no group)."""
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for row in rows:
        counts = zip(totals[row.step], astuple(row)[2:], strict=True)
        totals[row.step] = [total + count for total, count in counts]
    return [NurtureStep(None, step, *values) for step, values in sorted(totals.items())]


def _sum_follow_up(rows: list[FollowUp]) -> FollowUp:
    counts = [sum(column) for column in zip(*(astuple(row)[1:] for row in rows), strict=True)]
    return FollowUp(None, *counts) if counts else FollowUp(None)


def _weekly(reach: list[ReachDay], period: Period) -> dict[tuple[str, str], list[Week]]:
    """Per conversion (keyed by its two stages), the weekly cohorts of the whole population."""
    days: dict[str, list[tuple]] = defaultdict(list)
    for row in reach:
        days[row.stage].append((row.day, row.reached, row.converted))
    return {
        (a.value, b.value): weekly(days[a.value], period.since, period.until)
        for a, b in zip(FUNNEL, FUNNEL[1:], strict=False)
    }


def _by_group(rows: list) -> dict[str | None, list]:
    grouped: dict[str | None, list] = defaultdict(list)
    for row in rows:
        grouped[row.group].append(row)
    return grouped


def _label(group: str | None) -> str:
    return group if group else NO_GROUP
