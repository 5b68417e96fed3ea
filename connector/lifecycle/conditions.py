"""Compiled tests on a contact's properties and activity, and the trees built from them.

What a property test means is decided here, once, for every rule type:
values are compared trimmed and case-insensitively; regexes search (not
match), ignore case and look at the first 1,000 characters; numeric ranges
are inclusive and only match finite numbers. A missing or empty property is
the empty string. Any value, however odd, simply matches or not: nothing
here raises on input.

Activity tests are not run per condition: each owns a slot in a `Tally`,
which one pass over the contact's activity fills (see `scoring.tally`); a
condition then only reads its slot.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from connector.domain import Activity
from connector.lifecycle.evaluation import Evidence

REGEX_WINDOW = 1000
RANGE_MEMO_LIMIT = 4096
NO_WINDOW = math.inf


def _text(value: object) -> str:
    if value is None:
        return ""
    return value if value.__class__ is str else str(value)


def equals(expected: str) -> Callable[[str], bool]:
    wanted = expected.strip().casefold()
    return lambda value: value.strip().casefold() == wanted


def one_of(expected: tuple[str, ...]) -> Callable[[str], bool]:
    wanted = frozenset(item.strip().casefold() for item in expected)
    return lambda value: value.strip().casefold() in wanted


def compile_regex(pattern: str) -> re.Pattern[str]:
    """How every admin regex is compiled (raises `re.error` on a bad one)."""
    return re.compile(pattern, re.IGNORECASE)


def matches(pattern: str) -> Callable[[str], bool]:
    search = compile_regex(pattern).search
    return lambda value: search(value[:REGEX_WINDOW]) is not None


def _number(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def in_range(low: float | None, high: float | None) -> Callable[[str], bool]:
    low = -math.inf if low is None else low
    high = math.inf if high is None else high
    # A few values repeat (company sizes such as "11-50"), and a value that is not a
    # number costs an exception to find out: each answer is remembered, boundedly.
    known: dict[str, bool] = {}

    def check(value: str) -> bool:
        found = known.get(value)
        if found is None:
            # No real number is 100 characters long; not parsing those bounds the work.
            number = _number(value) if len(value) < 100 else None
            found = number is not None and low <= number <= high
            if len(known) >= RANGE_MEMO_LIMIT:
                known.clear()
            known[value] = found
        return found

    return check


def present(wanted: bool) -> Callable[[str], bool]:
    return lambda value: (value.strip() != "") is wanted


@dataclass(frozen=True, slots=True)
class PropertyTest:
    """`check` receives the property's value as a string ("" when missing)."""

    property: str
    check: Callable[[str], bool]

    def value(self, properties: Mapping[str, str]) -> str:
        return _text(properties.get(self.property))

    def holds(self, properties: Mapping[str, str]) -> bool:
        value = properties.get(self.property)
        return self.check(value if value.__class__ is str else _text(value))


@dataclass(frozen=True, slots=True)
class ActivityTest:
    """Activity of `kind` whose detail fields all match their regex, at most
    `within_days` old."""

    kind: str
    fields: tuple[tuple[str, re.Pattern[str]], ...] = ()
    within_days: float = NO_WINDOW

    def matches(self, details: Mapping[str, str]) -> bool:
        for name, pattern in self.fields:
            if pattern.search(_text(details.get(name))[:REGEX_WINDOW]) is None:
                return False
        return True


@dataclass(slots=True)
class Tally:
    """Per activity-test slot: how many activities matched, the latest one, and
    (for engagement rules) the points they earned after decay."""

    counts: list[int]
    points: list[float]
    latest: list[Activity | None]


@dataclass(frozen=True, slots=True)
class Facts:
    """What conditions are evaluated against."""

    properties: Mapping[str, str]
    tally: Tally


@dataclass(frozen=True, slots=True)
class PropertyCondition:
    test: PropertyTest

    def holds(self, facts: Facts) -> bool:
        return self.test.holds(facts.properties)

    def evidence(self, facts: Facts) -> tuple[Evidence, ...] | None:
        """The evidence when the condition holds, None when it does not."""
        value = self.test.value(facts.properties)
        if not self.test.check(value):
            return None
        return (Evidence(property=self.test.property, value=value),)


@dataclass(frozen=True, slots=True)
class ActivityCondition:
    slot: int
    at_least: int

    def holds(self, facts: Facts) -> bool:
        return facts.tally.counts[self.slot] >= self.at_least

    def evidence(self, facts: Facts) -> tuple[Evidence, ...] | None:
        count = facts.tally.counts[self.slot]
        if count < self.at_least:
            return None
        return (Evidence(activity=facts.tally.latest[self.slot], count=count),)


@dataclass(frozen=True, slots=True)
class AnyOf:
    """Holds when one child holds; evidence from every child that holds."""

    children: tuple[Condition, ...]

    def holds(self, facts: Facts) -> bool:
        # A plain loop: any()/all() over a generator cost twice as much on this hot path.
        for child in self.children:  # noqa: SIM110
            if child.holds(facts):
                return True
        return False

    def evidence(self, facts: Facts) -> tuple[Evidence, ...] | None:
        found: tuple[Evidence, ...] = ()
        held = False
        for child in self.children:
            evidence = child.evidence(facts)
            if evidence is not None:
                held = True
                found += evidence
        return found if held else None


@dataclass(frozen=True, slots=True)
class AllOf:
    """Holds when every child holds; evidence from all of them."""

    children: tuple[Condition, ...]

    def holds(self, facts: Facts) -> bool:
        # A plain loop: any()/all() over a generator cost twice as much on this hot path.
        for child in self.children:  # noqa: SIM110
            if not child.holds(facts):
                return False
        return True

    def evidence(self, facts: Facts) -> tuple[Evidence, ...] | None:
        found: tuple[Evidence, ...] = ()
        for child in self.children:
            evidence = child.evidence(facts)
            if evidence is None:
                return None
            found += evidence
        return found


Condition = PropertyCondition | ActivityCondition | AnyOf | AllOf
