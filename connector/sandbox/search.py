"""CRM search: filter evaluation, sorting and paging, as pure functions.

Rules served [spec unless tagged]:
- Filters inside a group are ANDed, groups are ORed [doc]. At most 5 groups,
  10 filters per group and 25 filters in total [doc: 2024-08-26 changelog].
- Operators EQ, NEQ, LT, LTE, GT, GTE, BETWEEN (value/highValue), IN, NOT_IN
  (values), HAS_PROPERTY, NOT_HAS_PROPERTY, CONTAINS_TOKEN, NOT_CONTAINS_TOKEN.
  Values compare by the property's type: numbers numerically, dates and
  datetimes as epoch ms (filter values may be ms or ISO), others
  case-insensitively [2nd]. An unset value satisfies only NEQ, NOT_IN,
  NOT_HAS_PROPERTY and NOT_CONTAINS_TOKEN [unverified].
- One sort at most [2nd]; objects `{propertyName, direction}` or a bare name.
  Ties and unsorted queries are ordered by id ascending [unverified].
- `limit` 1..200 (default 10); `after` is a numeric offset string [2nd]. A query
  returns at most 10,000 results: asking for `after` >= 10000 is a 400 [2nd].
- Archived records never match [2nd]. Without `properties` a contact search
  returns createdate, email, firstname, hs_object_id, lastmodifieddate, lastname
  [doc].
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass

from connector.sandbox.objects import Record
from connector.sandbox.properties import PropertyRegistry
from connector.sandbox.shapes import JsonObject, parse_time, validation_error

MAX_LIMIT = 200
MAX_RESULTS = 10_000
MAX_GROUPS, MAX_FILTERS_PER_GROUP, MAX_FILTERS = 5, 10, 25
DEFAULT_PROPERTIES = {
    "contacts": (
        "createdate",
        "email",
        "firstname",
        "hs_object_id",
        "lastmodifieddate",
        "lastname",
    ),
    "tasks": ("hs_createdate", "hs_lastmodifieddate", "hs_object_id"),
}
OPERATORS = {
    "EQ",
    "NEQ",
    "LT",
    "LTE",
    "GT",
    "GTE",
    "BETWEEN",
    "IN",
    "NOT_IN",
    "HAS_PROPERTY",
    "NOT_HAS_PROPERTY",
    "CONTAINS_TOKEN",
    "NOT_CONTAINS_TOKEN",
}
MATCHES_UNSET = {"NEQ", "NOT_IN", "NOT_HAS_PROPERTY", "NOT_CONTAINS_TOKEN"}
QUERY_PROPERTIES = ("email", "firstname", "lastname", "company", "phone")


@dataclass(frozen=True, slots=True)
class Query:
    groups: tuple[tuple[JsonObject, ...], ...]
    sort_property: str | None
    descending: bool
    text: str | None
    properties: tuple[str, ...]
    limit: int
    after: int


def parse_query(body: JsonObject, object_type: str) -> Query:
    """A validated query from a search request body; raises 400 like HubSpot on bad input."""
    groups = tuple(tuple(group.get("filters") or ()) for group in body.get("filterGroups") or ())
    if len(groups) > MAX_GROUPS:
        raise validation_error(f"Too many filter groups ({len(groups)}); the maximum is 5.")
    if any(len(group) > MAX_FILTERS_PER_GROUP for group in groups):
        raise validation_error("Too many filters in a filter group; the maximum is 10.")
    if sum(len(group) for group in groups) > MAX_FILTERS:
        raise validation_error("Too many filters in the request; the maximum is 25.")
    for group in groups:
        for item in group:
            if item.get("operator") not in OPERATORS or not item.get("propertyName"):
                raise validation_error(f"Invalid filter: {item!r}")
    sorts = body.get("sorts") or []
    if len(sorts) > 1:
        raise validation_error("Only one sort is supported.")
    sort_property, descending = None, False
    if sorts:
        sort = sorts[0]
        if isinstance(sort, str):
            sort_property, descending = sort.lstrip("-"), sort.startswith("-")
        else:
            sort_property = sort.get("propertyName")
            descending = str(sort.get("direction", "ASCENDING")).upper() == "DESCENDING"
    limit = _integer(body.get("limit", 10), "limit")
    if not 1 <= limit <= MAX_LIMIT:
        raise validation_error(f"limit must be between 1 and {MAX_LIMIT}; got {limit}.")
    after = _integer(body.get("after") or 0, "after")
    text = body.get("query")
    if text is not None and len(str(text)) > 3000:
        raise validation_error("query must be at most 3000 characters.")
    properties = tuple(body.get("properties") or DEFAULT_PROPERTIES.get(object_type, ()))
    return Query(groups, sort_property, descending, text, properties, limit, after)


def _integer(value: object, name: str) -> int:
    try:
        return int(str(value))
    except ValueError as error:
        raise validation_error(f"{name} must be an integer; got {value!r}.") from error


def _comparable(kind: str | None, value: str) -> float | str:
    if kind == "number":
        return float(value)
    if kind in ("datetime", "date"):
        return float(parse_time(value))
    return value.lower()


def _tokens_match(stored: str, token: str) -> bool:
    token = token.lower()
    words = stored.lower().replace("@", " ").replace(".", " ").split() + [stored.lower()]
    return any(fnmatch.fnmatchcase(word, token) for word in words)


def matches_filter(record: Record, item: JsonObject, registry: PropertyRegistry) -> bool:
    """One filter against one record (see the module rules)."""
    name, operator = item["propertyName"], item["operator"]
    stored = record.props.get(name, "")
    if operator == "HAS_PROPERTY":
        return stored != ""
    if stored == "":
        return operator in MATCHES_UNSET
    if operator in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        found = _tokens_match(stored, str(item.get("value", "")))
        return found == (operator == "CONTAINS_TOKEN")
    if operator == "NOT_HAS_PROPERTY":
        return False
    prop = registry.get(name)
    kind = prop.type if prop else None
    try:
        have = _comparable(kind, stored)
        if operator in ("IN", "NOT_IN"):
            wanted = {_comparable(kind, str(value)) for value in item.get("values") or ()}
            return (have in wanted) == (operator == "IN")
        want = _comparable(kind, str(item.get("value", "")))
        if operator == "BETWEEN":
            return want <= have <= _comparable(kind, str(item.get("highValue", "")))
    except ValueError as error:
        raise validation_error(f"Invalid value for {name}: {item!r}") from error
    return {
        "EQ": have == want,
        "NEQ": have != want,
        "LT": have < want,
        "LTE": have <= want,
        "GT": have > want,
        "GTE": have >= want,
    }[operator]


def _matches(record: Record, query: Query, registry: PropertyRegistry) -> bool:
    if query.groups and not any(
        all(matches_filter(record, item, registry) for item in group) for group in query.groups
    ):
        return False
    if query.text:
        needle = str(query.text).lower()
        return any(needle in record.props.get(name, "").lower() for name in QUERY_PROPERTIES)
    return True


def run_search(
    records: Iterable[Record], query: Query, registry: PropertyRegistry
) -> tuple[int, list[Record], int | None]:
    """(total, this page, next `after` or None) for live records matching the query."""
    if query.after >= MAX_RESULTS:
        raise validation_error(
            f"Paging past {MAX_RESULTS} results is not supported: a search query returns "
            f"at most {MAX_RESULTS} results (after={query.after}).",
        )
    found = [
        record for record in records if not record.archived and _matches(record, query, registry)
    ]
    found.sort(key=lambda record: record.id)
    if query.sort_property:
        found = _sorted(found, query.sort_property, query.descending, registry)
    end = min(query.after + query.limit, len(found), MAX_RESULTS)
    page = found[query.after : end]
    return len(found), page, (end if end < len(found) else None)


def _sorted(
    records: list[Record], name: str, descending: bool, registry: PropertyRegistry
) -> list[Record]:
    """Stable sort by one property, unset values last in either direction."""
    prop = registry.get(name)
    kind = prop.type if prop else None
    present = [record for record in records if record.props.get(name, "") != ""]
    absent = [record for record in records if record.props.get(name, "") == ""]
    # Python's sort is stable even with reverse=True, so ties keep ids ascending.
    present.sort(key=lambda record: _comparable(kind, record.props[name]), reverse=descending)
    return present + absent
