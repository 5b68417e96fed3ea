"""`routing.yaml` (optional; every key has a default): who gets the CALL task for a
new SQL, how soon, and what the task says.

It also holds `HoursSpec`, the weekly calendar both this file (the sales team's
business hours) and `nurture.yaml` (the send window) are written with.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from functools import cached_property
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, Field, NonNegativeFloat, PositiveFloat, PositiveInt

from connector.workflows.config.conditions import Regex, StrictModel
from connector.workflows.config.source import Loc
from connector.workflows.templates import TASK_NAMES, template_text
from connector.workflows.windows import MINUTES_PER_DAY, WEEKDAYS, QuietHours, WeeklyHours

_CLOCK = re.compile(r"([01]?\d|2[0-4]):([0-5]\d)")
_OWNER_ID = re.compile(r"[1-9]\d{0,19}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
Priority = Literal["NONE", "LOW", "MEDIUM", "HIGH"]


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone '{value}' (an IANA name such as Europe/Paris)"
        ) from None
    return value


def _clock(value: str) -> str:
    found = _CLOCK.fullmatch(value.strip())
    if found is None or int(found[1]) * 60 + int(found[2]) > MINUTES_PER_DAY:
        raise ValueError(f"'{value}' is not a time of day: write it as HH:MM, e.g. '09:00'")
    return value.strip()


def minutes(clock: str) -> int:
    """'09:30' → 570."""
    hours, _, mins = clock.partition(":")
    return int(hours) * 60 + int(mins)


def _owner_id(value: str) -> str:
    if not _OWNER_ID.fullmatch(value):
        raise ValueError(
            f"'{value}' is not a HubSpot owner id: the digits HubSpot shows for the owner"
            " (Settings > Users & Teams), e.g. '6166860'; or give `email:` instead"
        )
    return value


def _email(value: str) -> str:
    if not _EMAIL.fullmatch(value.strip()):
        raise ValueError(f"'{value}' is not an email address")
    return value.strip().lower()


TimeZoneName = Annotated[str, AfterValidator(_zone)]
Clock = Annotated[str, AfterValidator(_clock)]
OwnerId = Annotated[str, AfterValidator(_owner_id)]
Email = Annotated[str, AfterValidator(_email)]
TaskText = Annotated[
    str, Field(min_length=1, max_length=250), AfterValidator(template_text(TASK_NAMES))
]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WORKING_WEEK: list[Weekday] = ["mon", "tue", "wed", "thu", "fri"]


class HoursSpec(StrictModel):
    """Open on `days` from `start` to `end`, on the clocks of `time_zone`, except `holidays`."""

    time_zone: TimeZoneName = "UTC"
    days: list[Weekday] = Field(default_factory=lambda: list(WORKING_WEEK), min_length=1)
    start: Clock = "09:00"
    end: Clock = "17:00"
    holidays: list[date] = Field(default_factory=list)

    def problems(self) -> Iterator[tuple[Loc, str]]:
        if minutes(self.start) >= minutes(self.end):
            yield ("end",), f"must be after start ({self.start})"

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @cached_property
    def hours(self) -> WeeklyHours:
        return WeeklyHours(
            days=frozenset(WEEKDAYS.index(day) for day in self.days),
            start=minutes(self.start),
            end=minutes(self.end),
            holidays=frozenset(self.holidays),
        )


class QuietSpec(StrictModel):
    """Nothing is sent from `start` to `end` every day; `start` after `end` spans midnight."""

    start: Clock
    end: Clock

    def problems(self) -> Iterator[tuple[Loc, str]]:
        if minutes(self.start) == minutes(self.end):
            yield ("end",), "must differ from start"

    @cached_property
    def quiet(self) -> QuietHours:
        return QuietHours(minutes(self.start), minutes(self.end))


class OwnerRefSpec(StrictModel):
    """A HubSpot owner, named by owner id or by the email they sign in with."""

    owner_id: OwnerId | None = None
    email: Email | None = None

    def problems(self) -> Iterator[tuple[Loc, str]]:
        if (self.owner_id is None) == (self.email is None):
            yield (), "give the owner_id or the email of the owner (one of them)"

    @property
    def ref(self) -> str:
        return self.owner_id or self.email or ""


class MemberSpec(OwnerRefSpec):
    """A rep in the round robin: a `weight` of 2 gets twice the SQLs of a weight of 1."""

    weight: PositiveFloat = 1
    available: bool = True


class SlaSpec(StrictModel):
    """Contacts scoring at least `min_score` (None: everyone left) get this priority and
    must be called within this many business hours."""

    min_score: float | None = None
    within_business_hours: NonNegativeFloat
    priority: Priority = "HIGH"


def _default_sla() -> list[SlaSpec]:
    return [SlaSpec(within_business_hours=4, priority="HIGH")]


class SqlCallSpec(StrictModel):
    subject: TaskText = "Call {{ name }}: sales-qualified lead"
    sla: list[SlaSpec] = Field(default_factory=_default_sla, min_length=1)

    def problems(self) -> Iterator[tuple[Loc, str]]:
        last = len(self.sla) - 1
        for index, tier in enumerate(self.sla):
            if index < last and tier.min_score is None:
                yield ("sla", index, "min_score"), "only the last tier may leave out min_score"
        if self.sla[last].min_score is not None:
            yield (
                ("sla", last, "min_score"),
                ("the last tier catches every other score: leave out its min_score"),
            )

    def tier(self, score: float) -> SlaSpec:
        """The first tier whose `min_score` the score reaches."""
        return next(tier for tier in self.sla if tier.min_score is None or score >= tier.min_score)


class MqlCallSpec(StrictModel):
    """A "call when convenient" task for new MQLs whose fit score is at least `min_fit`."""

    enabled: bool = True
    min_fit: float = 30
    subject: TaskText = "Call {{ name }} when convenient: high-fit MQL"
    within_business_hours: NonNegativeFloat = 16
    priority: Priority = "LOW"


_KEY_PAGES = r"/(pricing|products?|features|platform|integrations|demo|case-stud(y|ies))(/|$|[?#])"
_DOWNLOADS = r"e-?book|white ?paper|guide|report|checklist|template|download"


class TaskBodySpec(StrictModel):
    """What the task body lists of the lead's history."""

    key_pages: Regex = _KEY_PAGES
    downloads: Regex = _DOWNLOADS
    history_items: PositiveInt = Field(default=15, le=50)
    top_reasons: PositiveInt = Field(default=5, le=20)


class RoutingFile(StrictModel):
    business_hours: HoursSpec = Field(default_factory=HoursSpec)
    team: list[MemberSpec] = Field(default_factory=list)
    sql_call: SqlCallSpec = Field(default_factory=SqlCallSpec)
    mql_call: MqlCallSpec = Field(default_factory=MqlCallSpec)
    task_body: TaskBodySpec = Field(default_factory=TaskBodySpec)

    def problems(self) -> Iterator[tuple[Loc, str]]:
        yield from nested_problems(self.business_hours, ("business_hours",))
        yield from nested_problems(self.sql_call, ("sql_call",))
        seen: set[str] = set()
        for index, member in enumerate(self.team):
            yield from nested_problems(member, ("team", index))
            if member.ref and member.ref in seen:
                yield ("team", index), f"'{member.ref}' is in the team twice"
            seen.add(member.ref)


def nested_problems(spec: StrictModel, loc: Loc) -> Iterator[tuple[Loc, str]]:
    """A nested model's whole-model checks, at its place in the file."""
    for where, message in spec.problems():
        yield (*loc, *where), message
