"""Business hours, send windows and quiet hours: pure functions of (instant, zone, hours).

Every instant going in may be in any time zone; every instant coming out is
UTC. The wall clock of `zone` decides what is open, and each day's opening is
computed on its own date, so 09:00-17:00 is eight real hours even on the day
the clocks change. A boundary that falls in the hour a spring-forward change
skips is read with the offset before the change (one hour later on the clock);
one that happens twice in the autumn is the first of the two.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 24 * 60
# How far ahead an opening is looked for: a calendar with at least one working
# weekday opens within a year unless someone lists a year of holidays.
SEARCH_DAYS = 400
# Alternating "next open" and "after quiet hours" settles in two or three
# rounds; the bound only guards against a window the quiet hours cover whole,
# which config validation refuses.
SETTLE_ROUNDS = 16


def wall_clock(day: date, minutes: int, zone: tzinfo) -> datetime:
    """The UTC instant when the clocks of `zone` show `minutes` after midnight of `day`.

    `minutes` may be 1440 (the end of the day: the next midnight).
    """
    day, minutes = day + timedelta(days=minutes // MINUTES_PER_DAY), minutes % MINUTES_PER_DAY
    local = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=zone)
    return local.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class WeeklyHours:
    """Open on `days` (0 = Monday) from `start` to `end` (minutes after midnight,
    `start` < `end` <= 1440), except on `holidays`."""

    days: frozenset[int]
    start: int
    end: int
    holidays: frozenset[date] = frozenset()

    def opening(self, day: date, zone: tzinfo) -> tuple[datetime, datetime] | None:
        """The UTC span `day` is open, or None on a closed day."""
        if day.weekday() not in self.days or day in self.holidays:
            return None
        return wall_clock(day, self.start, zone), wall_clock(day, self.end, zone)

    def next_open(self, at: datetime, zone: tzinfo) -> datetime:
        """`at` itself when open, else the next opening (UTC)."""
        return self._open_span(at, zone)[0]

    def add(self, at: datetime, duration: timedelta, zone: tzinfo) -> datetime:
        """`at` plus `duration` counted in open hours only: a response SLA.

        1. Start at the next opening at or after `at`.
        2. While what is left does not fit before that opening closes, spend
           the rest of it and move to the next opening.
        """
        left = duration
        moment, closing = self._open_span(at, zone)
        while moment + left > closing:
            left -= closing - moment
            moment, closing = self._open_span(closing, zone)
        return moment + left

    def _open_span(self, at: datetime, zone: tzinfo) -> tuple[datetime, datetime]:
        """The first open instant at or after `at`, and when that opening closes."""
        at = at.astimezone(UTC)
        first = at.astimezone(zone).date()
        for offset in range(SEARCH_DAYS):
            span = self.opening(first + timedelta(days=offset), zone)
            if span is not None and at < span[1]:
                return max(at, span[0]), span[1]
        raise ValueError(f"no opening hours within {SEARCH_DAYS} days of {at.isoformat()}")


@dataclass(frozen=True, slots=True)
class QuietHours:
    """No sending from `start` to `end` (minutes after midnight) every day;
    `start` > `end` spans midnight (21:00-08:00)."""

    start: int
    end: int

    def spells(self, day: date, zone: tzinfo) -> tuple[datetime, datetime]:
        """The quiet spell that starts on `day` (UTC)."""
        ends_on = day + timedelta(days=1) if self.end <= self.start else day
        return wall_clock(day, self.start, zone), wall_clock(ends_on, self.end, zone)

    def next_allowed(self, at: datetime, zone: tzinfo) -> datetime:
        """`at` itself outside quiet hours, else the end of the spell it falls in (UTC)."""
        at = at.astimezone(UTC)
        today = at.astimezone(zone).date()
        for day in (today - timedelta(days=1), today):
            start, end = self.spells(day, zone)
            if start <= at < end:
                return end
        return at


def earliest_send(
    at: datetime, zone: tzinfo, window: WeeklyHours | None, quiet: QuietHours | None
) -> datetime:
    """The first instant at or after `at` inside `window` (when given) and outside
    `quiet` (when given), on the clocks of `zone` (UTC)."""
    moment = at.astimezone(UTC)
    for _ in range(SETTLE_ROUNDS):
        opened = window.next_open(moment, zone) if window else moment
        allowed = quiet.next_allowed(opened, zone) if quiet else opened
        if allowed == opened:
            return allowed
        moment = allowed
    raise ValueError("the quiet hours cover the whole send window")


@cache
def _zone_names() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def hubspot_zone(value: str | None) -> ZoneInfo | None:
    """The zone a HubSpot time zone value names, or None when it names none.

    HubSpot's `hs_timezone` holds IANA names lower-cased with `/` spelt
    `_slash_` and `-` spelt `_hyphen_` ("america_slash_port_hyphen_au_hyphen_prince");
    a plain IANA name ("Europe/Paris") is accepted too. The first call reads the
    list of zones the system knows.
    """
    if not value:
        return None
    key = value.strip().lower().replace("_slash_", "/").replace("_hyphen_", "-")
    name = _zone_names().get(key)
    return ZoneInfo(name) if name else None
