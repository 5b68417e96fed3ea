"""Several `connector worker` processes on one PostgreSQL database: 50,000 webhook events.

    scripts/with-postgres .venv/bin/python benchmarks/replicas.py
        [--events 50000] [--contacts 100] [--replicas 3] [--portal-limit 1000]

The events (property changes of the sandbox's contacts, 100 a delivery) are
stored in the inbox first; then the replicas start together and each drains
the inbox and sends the effects (`connector worker --once`). Prints what
tests/reliability/test_replicas.py checks at CI size: events processed (the
sum over replicas; more than the events would mean one was processed twice),
effects sent against what the sandbox received, duplicates and losses, and the
busiest 10 s of HubSpot calls against the shared budget (90% of the portal's
limit), from the sandbox's request log.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from connector import store as store_room  # noqa: E402
from connector.sandbox.testing import running_sandbox  # noqa: E402
from connector.store import Store  # noqa: E402
from tests.conftest import fresh_postgres_database  # noqa: E402
from tests.reliability.outcome import round_the_clock_config  # noqa: E402
from tests.reliability.processes import Runner, environment  # noqa: E402
from tests.reliability.replicas import queue_events, replicas_result, run_replicas  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--contacts", type=int, default=100)
    parser.add_argument("--replicas", type=int, default=3)
    parser.add_argument("--portal-limit", type=int, default=1_000, help="calls per 10 s")
    options = parser.parse_args()
    if not os.environ.get("TEST_DATABASE_URL"):
        raise SystemExit("needs PostgreSQL: scripts/with-postgres .venv/bin/python " + __file__)
    budget = int(options.portal_limit * 0.9)
    url, drop = fresh_postgres_database()
    store = Store.from_url(url)
    store_room.upgrade(store.engine)
    try:
        with (
            tempfile.TemporaryDirectory() as folder,
            running_sandbox(
                contacts=options.contacts, seed=3, rate_limit=options.portal_limit
            ) as hub,
        ):
            config = round_the_clock_config(Path(folder) / "config")
            queued = queue_events(store, hub, options.events)
            env = environment(hub, url, config, HUBSPOT_RATE_LIMIT=str(options.portal_limit))
            started = time.perf_counter()
            finished = run_replicas(Runner(env, Path(folder)), options.replicas)
            wall = time.perf_counter() - started
            result = replicas_result(store, hub, finished, queued)
    finally:
        store.close()
        drop()
    print(f"{options.replicas} replicas, {queued:,} events over {options.contacts} contacts")
    split = [f.events for f in finished]
    print(f"events processed:   {result.processed:,} (by replica: {split})")
    print(f"inbox at the end:   {result.inbox}, retried {result.retried}")
    print(f"effects sent:       {result.sent:,}; outbox {result.outbox}")
    print(
        f"tasks in HubSpot:   {result.tasks_in_hubspot} of {result.tasks_planned} sent, "
        f"duplicates {result.duplicate_tasks}"
    )
    print(
        f"emails in HubSpot:  {result.emails_in_hubspot} of {result.emails_planned} sent, "
        f"duplicates {result.duplicate_emails}"
    )
    print(f"stages differing:   {result.stages_differing}")
    print(f"losses:             {queued - result.inbox.get('done', 0)}")
    print(f"HubSpot calls:      {result.calls:,}, 429s {result.rate_limited}")
    print(
        f"busiest 10 s:       {result.busiest_10s} calls, budget {budget} "
        f"({result.busiest_10s / budget:.2f}x), portal limit {options.portal_limit}"
    )
    print(f"busiest search 1 s: {result.busiest_search_1s}, limit 5")
    print(
        f"wall time:          {wall:.1f} s: {queued / wall:,.0f} events/s, "
        f"{result.calls / wall:,.0f} calls/s (budget {budget / 10:.0f}/s)"
    )


if __name__ == "__main__":
    main()
