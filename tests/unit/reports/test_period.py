"""How `connector report --since/--until` turn into a period."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from connector.cli.report import period_of

NOW = datetime(2026, 3, 20, 15, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("since", "until", "expected"),
    [
        # nothing given: the last 30 days up to now
        (None, None, (NOW - timedelta(days=30), NOW)),
        # dates: since at midnight, until includes its whole day
        (
            date(2026, 3, 2),
            date(2026, 3, 15),
            (datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 16, tzinfo=UTC)),
        ),
        # a time without offset is UTC; one with an offset is converted
        (
            datetime(2026, 3, 2, 8),
            datetime(2026, 3, 3, 9, tzinfo=timezone(timedelta(hours=1))),
            (datetime(2026, 3, 2, 8, tzinfo=UTC), datetime(2026, 3, 3, 8, tzinfo=UTC)),
        ),
        # only until: 30 days before it
        (
            None,
            date(2026, 1, 31),
            (datetime(2026, 1, 2, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)),
        ),
    ],
)
def test_it_reads_the_period_in_utc(since, until, expected):
    period = period_of(since, until, NOW)
    assert (period.since, period.until) == expected


def test_it_refuses_a_period_that_ends_before_it_starts():
    with pytest.raises(ValueError, match="must end after it starts"):
        period_of(date(2026, 3, 5), date(2026, 3, 1), NOW)
