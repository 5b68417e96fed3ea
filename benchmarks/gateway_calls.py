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
import logging
import math
import multiprocessing
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog

from connector.hubspot import HubSpotGateway

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
SCORED_EMAIL_TYPES = ("OPEN", "CLICK", "BOUNCE", "STATUSCHANGE")


@dataclass(frozen=True)
class World:
    contacts: int
    events: int
    email_by_type: dict[str, int]

    @property
    def minimum_calls(self) -> int:
        email_all = math.ceil(sum(self.email_by_type.values()) / 1000)
        email_typed = sum(
            math.ceil(self.email_by_type.get(t, 0) / 1000) or 1 for t in SCORED_EMAIL_TYPES
        )
        return (
            math.ceil(self.contacts / 200)
            + math.ceil(self.events / 1000)
            + min(email_all, email_typed)
        )


def serve(connection, contacts: int, faulty: bool) -> None:
    """Child process: a sandbox with the demo world until told to stop; reports its log."""
    logging.disable(logging.CRITICAL)  # injected drops make Flask print tracebacks
    from connector.sandbox.limits import FaultRule
    from connector.sandbox.testing import running_sandbox

    rules = _fault_rules() if faulty else []
    rules = [FaultRule("*", kind, rate, TIMEOUT_FAULT_SECONDS) for kind, rate in rules]
    with running_sandbox(contacts=contacts, seed=1, faults=rules, fault_seed=7) as hub:
        world = hub.state
        with world.lock:
            events = sum(1 for _ in world.activity.scan())
            email = Counter(e.type for e in world.email_events.scan())
        connection.send((hub.base_url, hub.token, World(contacts, events, dict(email))))
        connection.recv()
        connection.send(hub.request_log.count(status=429))


def _fault_rules() -> list[tuple[str, float]]:
    """Each rule fires on its share of all requests (rules are tried in order)."""
    rules, left = [], 1.0
    for kind, share in FAULTS:
        rules.append((kind, share / left))
        left -= share
    return rules


def run(contacts: int, faulty: bool) -> dict:
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    child = context.Process(target=serve, args=(theirs, contacts, faulty), daemon=True)
    child.start()
    base_url, token, world = ours.recv()
    gateway = HubSpotGateway(base_url, token, timeout=GATEWAY_TIMEOUT)
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
    ours.send("stop")
    sandbox_429s = ours.recv()
    child.join(timeout=30)

    searches = gateway.tally.calls("contacts.search")
    others = gateway.tally.calls() - searches
    return {
        "world": world,
        "calls": gateway.tally.calls(),
        "by_endpoint": gateway.tally.by_endpoint(),
        "rate_limited": gateway.tally.rate_limited(),
        "sandbox_429s": sandbox_429s,
        "wall": wall,
        "took": took,
        "bound": max(searches / SEARCH_PER_SECOND, others / GENERAL_PER_SECOND),
        "contacts": found["contacts"],
        "activities": found["activities"],
    }


def report(name: str, result: dict) -> None:
    world = result["world"]
    minimum = world.minimum_calls
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
        "calls <= 1.05x minimum": clean["calls"] <= 1.05 * world.minimum_calls,
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
    print("targets: " + "; ".join(f"{k}: {'yes' if ok else 'NO'}" for k, ok in checks.items()))


if __name__ == "__main__":
    main()
