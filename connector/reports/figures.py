"""Pure arithmetic of reports: rates, percentiles, weeks and how figures are shown.

No I/O and no clock; the store hands over counts and ranked values, these
functions turn them into what a reader sees.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from math import ceil, floor

MISSING = "—"
SHORT_STAGE_NAMES = {"marketingqualifiedlead": "MQL", "salesqualifiedlead": "SQL"}
HOUR = 3600
DAY = 24 * HOUR


def rate(numerator: int, denominator: int) -> float | None:
    """numerator ÷ denominator, or None when there is nothing to divide by."""
    return numerator / denominator if denominator else None


def percentile(p: float, count: int, ranked: Mapping[int, float]) -> float | None:
    """The p-quantile (0 ≤ p ≤ 1) of `count` sorted values, interpolated linearly between
    the values at ranks floor(p·(count−1)) and ceil(p·(count−1)) (0-based), the way
    PostgreSQL's percentile_cont does. `ranked` needs only those ranks. None when count is 0.
    """
    if count == 0:
        return None
    position = p * (count - 1)
    low, high = floor(position), ceil(position)
    if low == high:
        return ranked[low]
    return ranked[low] + (ranked[high] - ranked[low]) * (position - low)


def week_start(day: date) -> date:
    """The Monday of `day`'s ISO week."""
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class Week:
    """One week's cohort: contacts reaching a stage in the week, and how many went on."""

    start: date
    cohort: int
    converted: int

    @property
    def rate(self) -> float | None:
        return rate(self.converted, self.cohort)


def weekly(days: Iterable[tuple[date, int, int]], since: datetime, until: datetime) -> list[Week]:
    """(day, cohort, converted) rows summed by week, with a row for every week that overlaps
    [since, until), so an empty week shows as a gap instead of disappearing."""
    totals: dict[date, list[int]] = {}
    start = week_start(since.date())
    last = week_start((until - timedelta(microseconds=1)).date())
    while start <= last:
        totals[start] = [0, 0]
        start += timedelta(weeks=1)
    for day, cohort, converted in days:
        bucket = totals.setdefault(week_start(day), [0, 0])
        bucket[0] += cohort
        bucket[1] += converted
    return [Week(start, cohort, converted) for start, (cohort, converted) in sorted(totals.items())]


def stage_name(stage: str) -> str:
    """How people say a lifecycle stage: MQL and SQL, the others as HubSpot names them."""
    return SHORT_STAGE_NAMES.get(stage, stage)


def show_rate(value: float | None) -> str:
    return MISSING if value is None else f"{value:.1%}"


def show_duration(seconds: float | None) -> str:
    """A duration the way a reader compares them: days past one day, else hours or minutes."""
    if seconds is None:
        return MISSING
    if seconds >= DAY:
        return f"{seconds / DAY:.1f} d"
    if seconds >= HOUR:
        return f"{seconds / HOUR:.1f} h"
    return f"{seconds / 60:.0f} min"


def bucket_labels(bounds: Sequence[int]) -> list[str]:
    """Labels of the buckets [0, b0), [b0, b1), ..., [b_last, ∞) of durations in seconds."""
    short = [f"{b // DAY} d" if b % DAY == 0 else f"{b // HOUR} h" for b in bounds]
    inner = [f"{low}–{high}" for low, high in zip(short, short[1:], strict=False)]
    return [f"< {short[0]}", *inner, f"≥ {short[-1]}"]
