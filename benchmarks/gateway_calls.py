"""How close the gateway comes to the fewest calls and the fastest time HubSpot's limits allow.

Reads every changed contact (20,000 by default) and all their activity from the
sandbox's demo world, with the portal limits of a Professional account (190
calls per 10 s, 5 searches per s) and the gateway's default budget (90%). The
sandbox runs in a child process, so its work does not share the gateway's GIL.
The work is done as the hourly sync does it: the contact walk and the
behavioural events in two threads at once (search and the 10-second limit are
separate budgets), then the email events, whose recipients the walk has made
known.

Minimum calls, per source, for the data this run reads:
- search: ceil(N / 200): every contact comes back in some page of at most 200;
- events: ceil(E / 1000): E behavioural events, pages of at most 1000;
- email events: the cheaper of one unfiltered pass over every event type,
  ceil(M_all / 1000), and one pass per scored type, sum of ceil(M_t / 1000);
- recipient look-ups: none, since every recipient is a contact the walk returns.
Rate-limit bound: a client spending both budgets at once can finish no sooner
than max(search calls / 5 per s, other calls / 19 per s), with the calls this
run made.

Targets: calls <= 1.05x minimum, zero 429s, wall time <= 1.15x the bound. A
second run injects faults into 20% of requests (5xx, dropped connections,
timeouts, a few 429s) and must read the same contacts and activities.

    .venv/bin/python benchmarks/gateway_calls.py [--contacts 20000] [--skip-faults]
"""

from __future__ import annotations

import argparse
import math
import threading
import time
from datetime import UTC, datetime

import structlog
from common import minimum_activity_calls, sandbox_process, targets_line

from connector.hubspot import HubSpotGateway
from connector.sandbox.limits import FaultRule

SINCE = datetime(2000, 1, 1, tzinfo=UTC)
GENERAL_PER_SECOND = 190 / 10
SEARCH_PER_SECOND = 5
FAULTS = [  # (kind, share of all requests); 20% in all
    ("503", 0.06),
    ("500", 0.04),
    ("502", 0.03),
    ("504", 0.02),
    ("drop", 0.02),
    ("timeout", 0.02),
    ("429", 0.01),
]
TIMEOUT_FAULT_SECONDS = 2.5
GATEWAY_TIMEOUT = (2.0, 2.0)


def minimum_calls(world) -> int:
    return math.ceil(world.contacts / 200) + minimum_activity_calls(world)


def _fault_rules() -> list[FaultRule]:
    """Each rule fires on its share of all requests (rules are tried in order)."""
    rules, left = [], 1.0
    for kind, share in FAULTS:
        rules.append(FaultRule("*", kind, share / left, TIMEOUT_FAULT_SECONDS))
        left -= share
    return rules


def read_everything(gateway: HubSpotGateway) -> tuple[dict[str, list], dict[str, float], float]:
    """The walk and the behavioural events in two threads, then the email events;
    returns (ids found, when each part finished, wall seconds)."""
    found: dict[str, list] = {"contacts": [], "activities": []}
    took: dict[str, float] = {}

    def walk() -> None:
        for page in gateway.changed_contacts(SINCE):
            found["contacts"].extend(c.id for c in page)
        took["walk"] = time.perf_counter() - started

    def events() -> None:
        for page in gateway.event_activities_since(SINCE):
            found["activities"].extend(a.source_id for a in page)
        took["events"] = time.perf_counter() - started

    started = time.perf_counter()
    threads = [threading.Thread(target=walk), threading.Thread(target=events)]
    for thread in threads:
        thread.start()
    threads[0].join()
    for page in gateway.email_activities_since(SINCE):
        found["activities"].extend(a.source_id for a in page)
    threads[1].join()
    wall = time.perf_counter() - started
    took["email"] = wall - took["walk"]
    return found, took, wall


def run(contacts: int, faulty: bool) -> dict:
    faults = {"faults": _fault_rules(), "fault_seed": 7} if faulty else {}
    with sandbox_process(contacts, **faults) as hub:
        gateway = HubSpotGateway(hub.base_url, hub.token, timeout=GATEWAY_TIMEOUT)
        found, took, wall = read_everything(gateway)
    searches = gateway.tally.calls("contacts.search")
    others = gateway.tally.calls() - searches
    return {
        "world": hub.world,
        "calls": gateway.tally.calls(),
        "by_endpoint": gateway.tally.by_endpoint(),
        "rate_limited": gateway.tally.rate_limited(),
        "sandbox_429s": hub.answers.rate_limited,
        "wall": wall,
        "took": took,
        "bound": max(searches / SEARCH_PER_SECOND, others / GENERAL_PER_SECOND),
        "contacts": found["contacts"],
        "activities": found["activities"],
    }


def report(name: str, result: dict) -> None:
    world = result["world"]
    minimum = minimum_calls(world)
    print(
        f"{name:7} calls {result['calls']:5} (minimum {minimum}, {result['calls'] / minimum:.3f}x)"
        f"  429s {result['rate_limited']} (sandbox logged {result['sandbox_429s']})"
        f"  wall {result['wall']:.1f} s (bound {result['bound']:.1f} s,"
        f" {result['wall'] / result['bound']:.3f}x)"
        f"  contacts {len(set(result['contacts']))}  activities {len(set(result['activities']))}"
    )
    print(f"        by endpoint: {dict(sorted(result['by_endpoint'].items()))}")
    took = result["took"]
    print(
        f"        walk done at {took['walk']:.1f} s, events at {took['events']:.1f} s,"
        f" email read in {took['email']:.1f} s after the walk"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--skip-faults", action="store_true")
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(40))

    clean = run(args.contacts, faulty=False)
    world = clean["world"]
    print(
        f"world: {world.contacts} contacts, {world.events} behavioural events, "
        f"{sum(world.email_by_type.values())} email events {world.email_by_type}; "
        f"limits 190/10 s and 5 searches/s, budget 90%"
    )
    report("clean", clean)
    checks = {
        "calls <= 1.05x minimum": clean["calls"] <= 1.05 * minimum_calls(world),
        "zero 429s": clean["rate_limited"] == 0 and clean["sandbox_429s"] == 0,
        "wall <= 1.15x bound": clean["wall"] <= 1.15 * clean["bound"],
        "every contact once": len(clean["contacts"])
        == len(set(clean["contacts"]))
        == world.contacts,
    }
    if not args.skip_faults:
        faulty = run(args.contacts, faulty=True)
        report("faults", faulty)
        checks["same result with 20% faults"] = set(faulty["contacts"]) == set(
            clean["contacts"]
        ) and set(faulty["activities"]) == set(clean["activities"])
    print(targets_line(checks))


if __name__ == "__main__":
    main()
