"""What one contacts search costs the sandbox, on a demo world of N contacts (20,000 by default).

The sandbox's own cost per search, measured in-process through its Flask app
(no socket, no rate limits), for the searches the gateway makes and two others:

- walk: every contact changed since the epoch, as the hourly sync reads them
  (`connector.hubspot.changes.walk_changes`: `lastmodifieddate >= anchor AND
  <= until`, sorted ascending, 200 a page, re-anchored on the last timestamp);
- first page / last page: one page of that walk at its start and at its end;
- newest 10: no filter, sorted by `lastmodifieddate` descending;
- drain: `lastmodifieddate = T AND hs_object_id > id`, sorted by id (the walk's
  way through contacts sharing one timestamp);
- email token: `email CONTAINS_TOKEN`, which no index serves (for comparison).

Prints milliseconds per search (median of repeats) and the walk's total.

    .venv/bin/python benchmarks/sandbox_search.py [--contacts 20000] [--repeats 20]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime

from connector.domain import Contact
from connector.hubspot.changes import Condition, walk_changes
from connector.sandbox import SandboxOptions, create_app
from connector.sandbox.testing import build_world

PAGE = 200
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def searcher(client, token: str) -> Callable[[dict], dict]:
    headers = {"Authorization": f"Bearer {token}"}

    def search(body: dict) -> dict:
        answer = client.post("/crm/v3/objects/contacts/search", json=body, headers=headers)
        if answer.status_code != 200:
            raise RuntimeError(f"search answered {answer.status_code}: {answer.get_json()}")
        return answer.get_json()

    return search


def body(filters: list[dict], sort: str | None, limit: int, descending: bool = False) -> dict:
    request: dict = {"filterGroups": [{"filters": filters}] if filters else [], "limit": limit}
    if sort:
        direction = "DESCENDING" if descending else "ASCENDING"
        request["sorts"] = [{"propertyName": sort, "direction": direction}]
    request["properties"] = ["email", "lastmodifieddate"]
    return request


def timed(search: Callable[[dict], dict], request: dict, repeats: int) -> float:
    """Median milliseconds of `repeats` runs of one search."""
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        search(request)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def walk(search: Callable[[dict], dict], until_ms: int) -> tuple[int, int, float]:
    """(contacts, searches, seconds) of one full walk of changed contacts."""
    calls = 0

    def page(conditions: list[Condition], sort: str, limit: int) -> tuple[list[Contact], bool]:
        nonlocal calls
        calls += 1
        filters = [
            {"propertyName": c.property, "operator": c.operator, "value": c.value}
            for c in conditions
        ]
        answer = search(body(filters, sort, limit))
        found = [
            Contact(
                r["id"],
                r["properties"],
                datetime.fromisoformat(r["properties"]["lastmodifieddate"].replace("Z", "+00:00")),
            )
            for r in answer["results"]
        ]
        return found, "paging" in answer

    started = time.perf_counter()
    until = datetime.fromtimestamp(until_ms / 1000, tz=UTC)
    seen = sum(len(p) for p in walk_changes(page, EPOCH, until, PAGE))
    return seen, calls, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()

    started = time.perf_counter()
    world = build_world(args.contacts, seed=1)
    options = SandboxOptions(search_rate_limit=10**9, rate_limit=10**9, daily_limit=10**12)
    client = create_app(world, options).test_client()
    search = searcher(client, options.token)
    print(f"demo world: {args.contacts:,} contacts in {time.perf_counter() - started:.1f} s")

    with world.lock:
        stamps = sorted((r.updated_ms, r.id) for r in world.contacts.live())
    until = world.now()
    late_ms, late_id = stamps[-PAGE]
    crowded, _ = Counter(ms for ms, _ in stamps).most_common(1)[0]
    modified = "lastmodifieddate"
    shapes = {
        "first page": body(
            [
                {"propertyName": modified, "operator": "GTE", "value": "0"},
                {"propertyName": modified, "operator": "LTE", "value": str(until)},
            ],
            modified,
            PAGE,
        ),
        "last page": body(
            [
                {"propertyName": modified, "operator": "GTE", "value": str(late_ms)},
                {"propertyName": modified, "operator": "LTE", "value": str(until)},
            ],
            modified,
            PAGE,
        ),
        "newest 10": body([], modified, 10, descending=True),
        "drain": body(
            [
                {"propertyName": modified, "operator": "EQ", "value": str(crowded)},
                {"propertyName": "hs_object_id", "operator": "GT", "value": str(late_id)},
            ],
            "hs_object_id",
            PAGE,
        ),
        "email token": body(
            [{"propertyName": "email", "operator": "CONTAINS_TOKEN", "value": "*.test"}],
            None,
            PAGE,
        ),
    }
    for name, request in shapes.items():
        print(f"{name:>12}: {timed(search, request, args.repeats):7.2f} ms per search")
    contacts, calls, seconds = walk(search, until)
    print(
        f"{'walk':>12}: {contacts:,} contacts in {calls} searches, {seconds:.2f} s "
        f"({seconds / calls * 1000:.2f} ms per search)"
    )
    if contacts != len(stamps):
        raise SystemExit(f"the walk read {contacts} contacts, the world has {len(stamps)}")


if __name__ == "__main__":
    main()
