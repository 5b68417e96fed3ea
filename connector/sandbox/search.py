"""CRM search: filter evaluation, sorting and paging over one object store.

A search is answered from the store's modified-time index when it filters a
range of `lastmodifieddate`/`hs_lastmodifieddate` or sorts by one (see
`index_plan`), else by scanning every live record; both give the same answer.

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

import bisect
import fnmatch
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import islice

from connector.sandbox.modified_index import Key
from connector.sandbox.objects import MODIFIED, ObjectStore, Record
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
RANGE = {"GT", "GTE", "LT", "LTE", "EQ", "BETWEEN"}
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


def _matches(
    record: Record,
    groups: tuple[tuple[JsonObject, ...], ...],
    text: str | None,
    registry: PropertyRegistry,
) -> bool:
    if groups and not any(
        all(matches_filter(record, item, registry) for item in group) for group in groups
    ):
        return False
    if text:
        needle = str(text).lower()
        return any(needle in record.props.get(name, "").lower() for name in QUERY_PROPERTIES)
    return True


def run_search(store: ObjectStore, query: Query) -> tuple[int, list[Record], int | None]:
    """(total, this page, next `after` or None) for live records matching the query.

    Served from the modified-time index when `index_plan` finds a range or a
    sort it answers (cost: the range, or `after + limit` when the index
    answers every filter), else by scanning every record (cost: the portal).
    Both give the same answer.
    """
    if query.after >= MAX_RESULTS:
        raise validation_error(
            f"Paging past {MAX_RESULTS} results is not supported: a search query returns "
            f"at most {MAX_RESULTS} results (after={query.after}).",
        )
    plan = index_plan(query, store.registry)
    if plan is None:
        found = [
            record
            for record in store.live()
            if _matches(record, query.groups, query.text, store.registry)
        ]
        return _page(_ordered(found, query, store.registry), query)
    keys = store.modified.keys()
    start, stop = store.modified.span(plan.low_ms, plan.high_ms)
    positions: Sequence[int] = range(start, stop)
    if plan.rest or query.text:
        rest = (plan.rest,) if plan.rest else ()
        positions = [
            p
            for p in positions
            if _matches(store.records[keys[p][1]], rest, query.text, store.registry)
        ]
    if not plan.sorted:
        found = [store.records[keys[p][1]] for p in positions]
        return _page(_ordered(found, query, store.registry), query)
    walk = _newest_first(positions, keys) if query.descending else iter(positions)
    total, end = _bounds(len(positions), query)
    page = [store.records[keys[p][1]] for p in islice(walk, query.after, end)]
    return total, page, (end if end < total else None)


def _bounds(total: int, query: Query) -> tuple[int, int]:
    """(total, end of this page): a page stops at the results, the limit and the 10,000 cap."""
    return total, min(query.after + query.limit, total, MAX_RESULTS)


def _page(found: list[Record], query: Query) -> tuple[int, list[Record], int | None]:
    total, end = _bounds(len(found), query)
    return total, found[query.after : end], (end if end < total else None)


def _ordered(found: list[Record], query: Query, registry: PropertyRegistry) -> list[Record]:
    found.sort(key=lambda record: record.id)
    if query.sort_property:
        return _sorted(found, query.sort_property, query.descending, registry)
    return found


@dataclass(frozen=True, slots=True)
class IndexPlan:
    """What the modified-time index answers: records modified in [low_ms, high_ms], in
    index order if `sorted`; `rest` are the filters still to check on each of them."""

    low_ms: int
    high_ms: int
    rest: tuple[JsonObject, ...]
    sorted: bool


def index_plan(query: Query, registry: PropertyRegistry) -> IndexPlan | None:
    """The index's part of a query, or None when it cannot help.

    It helps a query of at most one filter group (several groups are ORed)
    that filters a modified-time property with a range operator, or sorts by
    one. Times are whole milliseconds, so `GT t` is `>= t + 1` and `LT t` is
    `<= t - 1`.
    """
    if len(query.groups) > 1:
        return None
    indexed = {
        name
        for name in MODIFIED
        if (prop := registry.get(name)) is not None and prop.type == "datetime"
    }
    group = query.groups[0] if query.groups else ()
    ranges = [f for f in group if f["propertyName"] in indexed and f["operator"] in RANGE]
    is_sorted = query.sort_property in indexed
    if not ranges and not is_sorted:
        return None
    low, high = -(2**63), 2**63
    for item in ranges:
        operator, value = item["operator"], _ms(item, "value")
        if operator in ("GT", "GTE", "EQ", "BETWEEN"):
            low = max(low, value + (operator == "GT"))
        if operator in ("LT", "LTE", "EQ"):
            high = min(high, value - (operator == "LT"))
        if operator == "BETWEEN":
            high = min(high, _ms(item, "highValue"))
    rest = tuple(f for f in group if not any(f is r for r in ranges))
    return IndexPlan(low, high, rest, is_sorted)


def _ms(item: JsonObject, field: str) -> int:
    try:
        return parse_time(str(item.get(field, "")))
    except ValueError as error:
        raise validation_error(f"Invalid value for {item['propertyName']}: {item!r}") from error


def _newest_first(positions: Sequence[int], keys: list[Key]) -> Iterator[int]:
    """`positions` (ascending keys) newest first, ties still in id order, lazily."""
    end = len(positions)
    while end > 0:
        stamp = keys[positions[end - 1]][0]
        start = bisect.bisect_left(positions, stamp, hi=end, key=lambda p: keys[p][0])
        yield from (positions[i] for i in range(start, end))
        end = start


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
