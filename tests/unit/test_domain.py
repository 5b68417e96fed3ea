"""Contact.moment reads HubSpot's date-time properties, whatever shape they come in."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connector.domain import Contact

NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-11-23T12:00:00Z", NOON),  # v3 API: ISO-8601 with Z
        ("2026-11-23T12:00:00.000+00:00", NOON),  # ISO-8601 with an offset
        ("2026-11-23T12:00:00", NOON),  # no zone: HubSpot's times are UTC
        (str(int(NOON.timestamp() * 1000)), NOON),  # legacy APIs: epoch milliseconds
        (" 2026-11-23T12:00:00Z ", NOON),  # stray spaces
        ("", None),  # never set
        ("yesterday", None),  # not a time
        ("9" * 40, None),  # milliseconds past any date
        ("2026-13-45T99:00:00Z", None),  # no such date
    ],
)
def test_it_reads_a_time_property_or_none(raw, expected):
    assert Contact("1", {"createdate": raw}).moment("createdate") == expected


def test_it_answers_none_for_a_missing_property():
    assert Contact("1").moment("createdate") is None
