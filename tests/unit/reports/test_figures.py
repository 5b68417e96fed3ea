"""Rates, percentiles, weeks and the way figures are shown: pure and table-driven."""

from datetime import UTC, date, datetime

import pytest

from connector.reports.figures import (
    Week,
    bucket_labels,
    percentile,
    rate,
    show_duration,
    show_rate,
    week_start,
    weekly,
)


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        (2, 3, 2 / 3),  # an ordinary cohort
        (0, 5, 0.0),  # nobody converted: zero, not missing
        (0, 0, None),  # no cohort: nothing to divide by
        (4, 4, 1.0),  # everybody converted
    ],
)
def test_it_divides_only_when_there_is_a_cohort(numerator, denominator, expected):
    assert rate(numerator, denominator) == expected


SORTED = [1.0, 2.0, 4.0, 10.0]


@pytest.mark.parametrize(
    ("p", "values", "expected"),
    [
        (0.5, [5.0], 5.0),  # one value is its own median and p90
        (0.9, [5.0], 5.0),
        (0.5, [1.0, 2.0, 4.0], 2.0),  # odd count: the middle value
        (0.5, SORTED, 3.0),  # even count: halfway between the middle two
        (0.9, SORTED, 4.0 + 6.0 * 0.7),  # rank 2.7: 70% of the way from 4 to 10
        (0.0, SORTED, 1.0),  # the smallest
        (1.0, SORTED, 10.0),  # the largest
    ],
)
def test_it_interpolates_percentiles_between_ranks_like_percentile_cont(p, values, expected):
    assert percentile(p, len(values), dict(enumerate(values))) == pytest.approx(expected)


def test_it_has_no_percentile_without_values():
    assert percentile(0.5, 0, {}) is None


def test_it_needs_only_the_ranks_around_the_percentile():
    assert percentile(0.5, 1001, {500: 7.0}) == 7.0
    assert percentile(0.9, 11, {9: 1.0}) == 1.0


@pytest.mark.parametrize(
    ("day", "monday"),
    [
        (date(2026, 3, 2), date(2026, 3, 2)),  # a Monday starts its own week
        (date(2026, 3, 8), date(2026, 3, 2)),  # Sunday belongs to the week before
        (date(2026, 1, 1), date(2025, 12, 29)),  # weeks cross the year
    ],
)
def test_it_starts_weeks_on_monday(day, monday):
    assert week_start(day) == monday


def test_it_sums_days_into_weeks_and_keeps_empty_weeks_of_the_period():
    since, until = datetime(2026, 3, 4, tzinfo=UTC), datetime(2026, 3, 23, tzinfo=UTC)
    days = [(date(2026, 3, 4), 2, 1), (date(2026, 3, 8), 1, 1), (date(2026, 3, 20), 4, 0)]
    assert weekly(days, since, until) == [
        Week(date(2026, 3, 2), 3, 2),
        Week(date(2026, 3, 9), 0, 0),  # a quiet week stays on the chart
        Week(date(2026, 3, 16), 4, 0),
    ]
    assert [w.rate for w in weekly(days, since, until)] == [2 / 3, None, 0.0]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, "—"),  # division by zero
        (0.0, "0.0%"),
        (2 / 3, "66.7%"),
        (1.0, "100.0%"),
    ],
)
def test_it_shows_rates_as_percentages_and_missing_as_a_dash(value, shown):
    assert show_rate(value) == shown


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (None, "—"),  # no stays
        (90, "2 min"),
        (5400, "1.5 h"),
        (86400 * 10.75, "10.8 d"),
    ],
)
def test_it_shows_durations_in_the_largest_sensible_unit(seconds, shown):
    assert show_duration(seconds) == shown


def test_it_labels_duration_buckets_with_their_bounds():
    assert bucket_labels([3600, 86400, 3 * 86400]) == ["< 1 h", "1 h–1 d", "1 d–3 d", "≥ 3 d"]
