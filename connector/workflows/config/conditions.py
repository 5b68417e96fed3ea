"""The building blocks every config file shares: ids, regexes and conditions.

A condition is one of four mappings, told apart by their key:

    {property: jobtitle, regex: 'director|vp'}        a test on a contact property
    {activity: page_view, match: {url: '/pricing'}}   a test on the contact's activity
    {any: [condition, ...]}                           at least one holds
    {all: [condition, ...]}                           every one holds

Models forbid unknown keys, so a typo is an error, never a silently ignored rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PositiveFloat,
    PositiveInt,
    Tag,
    model_validator,
)

from connector.domain import ActivityKind
from connector.lifecycle.conditions import compile_regex
from connector.workflows.config.source import Loc

_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_PROPERTY = re.compile(r"[a-z][a-z0-9_]{0,99}")


class StrictModel(BaseModel):
    """Unknown keys are errors. `problems()` holds checks that need the whole
    file (unique ids, order); each yields the field path and a message."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def problems(self) -> Iterator[tuple[Loc, str]]:
        return iter(())


def _id(value: str) -> str:
    if not _ID.fullmatch(value):
        raise ValueError("use 1 to 64 letters, digits, '_' or '-'")
    return value


def _property_name(value: str) -> str:
    if not _PROPERTY.fullmatch(value):
        raise ValueError("a HubSpot property's internal name: lower-case letters, digits and '_'")
    return value


def _regex(value: str) -> str:
    try:
        compile_regex(value)
    except re.error as error:
        raise ValueError(f"bad regex: {error}") from None
    return value


Id = Annotated[str, AfterValidator(_id)]
Label = Annotated[str, Field(min_length=1, max_length=120)]
PropertyName = Annotated[str, AfterValidator(_property_name)]
Regex = Annotated[str, AfterValidator(_regex)]
Scalar = str | int | float | bool


class PropertyTestSpec(StrictModel):
    """One test on one property: `equals`, `in`, `regex`, `min`/`max` or `present`."""

    property: PropertyName
    equals: Scalar | None = None
    in_: list[Scalar] | None = Field(default=None, alias="in", min_length=1)
    regex: Regex | None = None
    min: float | None = None
    max: float | None = None
    present: bool | None = None

    @model_validator(mode="after")
    def _one_test(self) -> PropertyTestSpec:
        tests = {
            "equals": self.equals is not None,
            "in": self.in_ is not None,
            "regex": self.regex is not None,
            "min/max": self.min is not None or self.max is not None,
            "present": self.present is not None,
        }
        given = [name for name, is_given in tests.items() if is_given]
        if len(given) != 1:
            found = f" (found {' and '.join(given)})" if given else ""
            raise ValueError(f"give exactly one test: equals, in, regex, min/max or present{found}")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min is above max")
        return self


class ActivityFilterSpec(StrictModel):
    """Activity of one kind, whose detail fields match regexes, within a window."""

    activity: ActivityKind
    match: dict[str, Regex] = Field(default_factory=dict)
    within_days: PositiveFloat | None = None


class ActivityTestSpec(ActivityFilterSpec):
    at_least: PositiveInt = 1


class AnyOfSpec(StrictModel):
    any: list[Condition] = Field(min_length=1)


class AllOfSpec(StrictModel):
    all: list[Condition] = Field(min_length=1)


_HEADS = (
    ("property", "<property>"),
    ("activity", "<activity>"),
    ("any", "<any>"),
    ("all", "<all>"),
)


def _condition_kind(value: Any) -> str | None:
    if isinstance(value, dict):
        return next((tag for key, tag in _HEADS if key in value), None)
    return None


Condition = Annotated[
    Annotated[PropertyTestSpec, Tag("<property>")]
    | Annotated[ActivityTestSpec, Tag("<activity>")]
    | Annotated[AnyOfSpec, Tag("<any>")]
    | Annotated[AllOfSpec, Tag("<all>")],
    Discriminator(
        _condition_kind,
        custom_error_type="condition",
        custom_error_message="a condition is a mapping with one of the keys property, activity,"
        " any or all",
    ),
]
AnyOfSpec.model_rebuild()
AllOfSpec.model_rebuild()


def activity_tests(condition: Any, loc: Loc) -> Iterator[Loc]:
    """The paths of every activity test inside `condition` (for property-only places)."""
    if isinstance(condition, ActivityTestSpec):
        yield loc
    for key in ("any", "all"):
        for index, child in enumerate(getattr(condition, key, None) or ()):
            yield from activity_tests(child, (*loc, key, index))


def duplicate_ids(items: list[Any], loc: Loc) -> Iterator[tuple[Loc, str]]:
    """A problem for each item whose `id` an earlier item of the list already has."""
    seen: set[str] = set()
    for index, item in enumerate(items):
        if item.id in seen:
            yield (*loc, index, "id"), f"id '{item.id}' is used twice"
        seen.add(item.id)
