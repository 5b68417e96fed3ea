"""Send windows, quiet hours and business-hour SLAs, as pure functions of (now, zone, hours)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from connector.workflows.windows import (
    QuietHours,
    WeeklyHours,
    earliest_send,
    hubspot_zone,
    wall_clock,
)

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
OFFICE = WeeklyHours(days=frozenset(range(5)), start=9 * 60, end=17 * 60)
CHRISTMAS = WeeklyHours(OFFICE.days, OFFICE.start, OFFICE.end, frozenset({date(2026, 12, 25)}))
NIGHT = QuietHours(start=21 * 60, end=8 * 60)
LUNCH = QuietHours(start=12 * 60, end=13 * 60)


def paris(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=PARIS)


def new_york(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=NEW_YORK)


@pytest.mark.parametrize(
    ("at", "hours", "expected"),
    [
        # Monday 10:00 is open: the moment itself
        (paris("2026-11-23 10:00"), OFFICE, paris("2026-11-23 10:00")),
        # Monday 07:00: the day's opening at 09:00
        (paris("2026-11-23 07:00"), OFFICE, paris("2026-11-23 09:00")),
        # closing time is already closed: the next morning
        (paris("2026-11-23 17:00"), OFFICE, paris("2026-11-24 09:00")),
        # Friday evening: Monday morning
        (paris("2026-11-27 19:00"), OFFICE, paris("2026-11-30 09:00")),
        # Saturday noon: Monday morning
        (paris("2026-11-28 12:00"), OFFICE, paris("2026-11-30 09:00")),
        # Christmas Eve (a Thursday) after hours: Friday 25th is a holiday, then the weekend
        (paris("2026-12-24 18:00"), CHRISTMAS, paris("2026-12-28 09:00")),
        # the weekend the clocks spring forward: 09:00 on Monday is 07:00 UTC, not 08:00
        (paris("2026-03-27 18:00"), OFFICE, paris("2026-03-30 09:00")),
        # the weekend the clocks fall back: 09:00 on Monday is 08:00 UTC, not 07:00
        (paris("2026-10-23 18:00"), OFFICE, paris("2026-10-26 09:00")),
        # a UTC instant is read on the zone's clock: 23:30 UTC Monday is Tuesday 00:30 in Paris
        (datetime.fromisoformat("2026-11-23 23:30+00:00"), OFFICE, paris("2026-11-24 09:00")),
    ],
)
def test_it_finds_the_next_opening(at: datetime, hours: WeeklyHours, expected: datetime) -> None:
    assert hours.next_open(at, PARIS) == expected


@pytest.mark.parametrize(
    ("at", "sla_hours", "zone", "expected"),
    [
        # Tuesday 10:00 + 4 business hours: the same afternoon
        (paris("2026-11-24 10:00"), 4, PARIS, paris("2026-11-24 14:00")),
        # an SQL on Friday evening: Monday 13:00 (09:00 + 4h)
        (paris("2026-11-27 19:30"), 4, PARIS, paris("2026-11-30 13:00")),
        # Friday 15:00 + 4h: 2h on Friday, 2h on Monday morning
        (paris("2026-11-27 15:00"), 4, PARIS, paris("2026-11-30 11:00")),
        # a whole business day and a half: 8h + 4h
        (paris("2026-11-24 09:00"), 12, PARIS, paris("2026-11-25 13:00")),
        # no time at all: the next opening
        (paris("2026-11-28 10:00"), 0, PARIS, paris("2026-11-30 09:00")),
        # over the autumn clock change: counted in real hours of the open days
        (paris("2026-10-23 16:00"), 2, PARIS, paris("2026-10-26 10:00")),
        # New York falls back a week later than Paris: still Monday 10:00 local
        (new_york("2026-10-30 16:00"), 2, NEW_YORK, new_york("2026-11-02 10:00")),
    ],
)
def test_it_adds_business_hours_for_a_response_sla(
    at: datetime, sla_hours: float, zone: ZoneInfo, expected: datetime
) -> None:
    due = OFFICE.add(at, timedelta(hours=sla_hours), zone)
    assert due == expected
    assert due.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("at", "quiet", "expected"),
    [
        # mid-afternoon is not quiet
        (paris("2026-11-23 15:00"), NIGHT, paris("2026-11-23 15:00")),
        # 23:00 is quiet until 08:00 the next morning
        (paris("2026-11-23 23:00"), NIGHT, paris("2026-11-24 08:00")),
        # 03:00 belongs to the spell that started the evening before
        (paris("2026-11-24 03:00"), NIGHT, paris("2026-11-24 08:00")),
        # the end of a spell is no longer quiet
        (paris("2026-11-24 08:00"), NIGHT, paris("2026-11-24 08:00")),
        # a spell inside one day (lunch)
        (paris("2026-11-24 12:30"), LUNCH, paris("2026-11-24 13:00")),
        # the night the clocks spring forward is an hour shorter in real time
        (paris("2026-03-28 22:00"), NIGHT, paris("2026-03-29 08:00")),
    ],
)
def test_it_waits_for_quiet_hours_to_end(
    at: datetime, quiet: QuietHours, expected: datetime
) -> None:
    assert quiet.next_allowed(at, PARIS) == expected


@pytest.mark.parametrize(
    ("at", "window", "quiet", "expected"),
    [
        # a form at 23:00 with only quiet hours: the thank-you goes at 08:00
        (paris("2026-11-23 23:00"), None, NIGHT, paris("2026-11-24 08:00")),
        # a form at 23:00 with the office window: 09:00, which is after the quiet hours
        (paris("2026-11-23 23:00"), OFFICE, NIGHT, paris("2026-11-24 09:00")),
        # lunch is quiet inside the window: 13:00
        (paris("2026-11-24 12:15"), OFFICE, LUNCH, paris("2026-11-24 13:00")),
        # Friday 16:30 is open and not quiet: sent at once
        (paris("2026-11-27 16:30"), OFFICE, NIGHT, paris("2026-11-27 16:30")),
        # no window and no quiet hours: at once
        (paris("2026-11-28 03:00"), None, None, paris("2026-11-28 03:00")),
    ],
)
def test_it_picks_the_earliest_send_time(
    at: datetime, window: WeeklyHours | None, quiet: QuietHours | None, expected: datetime
) -> None:
    assert earliest_send(at, PARIS, window, quiet) == expected


def test_it_refuses_quiet_hours_that_cover_the_whole_window() -> None:
    with pytest.raises(ValueError, match="cover the whole send window"):
        earliest_send(paris("2026-11-23 10:00"), PARIS, OFFICE, QuietHours(8 * 60, 18 * 60))


def test_it_reads_a_skipped_wall_clock_time_an_hour_later() -> None:
    # 02:30 does not exist in Paris on 2026-03-29: it is read as 03:30 summer time
    assert wall_clock(date(2026, 3, 29), 150, PARIS) == paris("2026-03-29 03:30")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # HubSpot's own spelling of an IANA name
        ("europe_slash_paris", "Europe/Paris"),
        # multi-part names keep their underscores
        ("america_slash_new_york", "America/New_York"),
        # hyphens are spelt out too
        ("america_slash_port_hyphen_au_hyphen_prince", "America/Port-au-Prince"),
        # three levels deep
        ("america_slash_argentina_slash_buenos_aires", "America/Argentina/Buenos_Aires"),
        # a plain IANA name is accepted as it is
        ("Asia/Tokyo", "Asia/Tokyo"),
        # nothing there, or nonsense: no zone (the caller falls back to the portal's)
        ("", None),
        (None, None),
        ("mars_slash_olympus_mons", None),
    ],
)
def test_it_reads_hubspot_time_zone_values(value: str | None, expected: str | None) -> None:
    zone = hubspot_zone(value)
    assert (zone.key if zone else None) == expected
