"""How close a full sync pass comes to the fewest HubSpot calls and the fastest time allowed.

The sandbox holds N changed contacts (20,000 by default) with their demo
history, at a Professional portal's limits (190 calls per 10 s, 5 searches per
s), in a child process. The connector is the real one (`build_connector` over
a store and a `HubSpotGateway` built from settings, 90% budget): a full pass,
`connector.puller.run(full=True)`, then `connector.dispatch_due()` for the
write-backs, the CALL tasks and the nurture emails due now, as `connector sync
--full` followed by `connector dispatch` runs them.

Minimum calls, per endpoint, for what this run read and wrote:
- search: ceil(N / 200); the walk never pages past search's 10,000-result cap
  (it re-anchors on the last timestamp), so its refusals must be 0;
- events and email events: see `common.minimum_activity_calls`;
- email recipient look-ups: 0 (every recipient is a contact the walk returns);
- property write-backs: ceil(contacts written / 100) batch updates;
- CALL tasks: ceil(T / 100) (HubSpot's batch create takes 100);
- owners: one page; portal set-up: one properties list, and when some are
  missing one groups list, one group create, ceil(P / 100) batch creates;
- single-send emails: one each (no batch API; exempt from the rate limits).
Rate-limit bound: a client spending both budgets at once can finish no sooner
than max(searches / 5 per s, other rate-limited calls / 19 per s), with the
calls this run made.

Targets: calls <= 1.05x the minimum, zero 429s, wall <= 1.15x the bound,
every contact stored and written back once.

`--backfill N` measures memory instead: `connector sandbox --contacts N` and
`connector sync --full` as two processes, the connector's peak RSS (target
< 300 MB) from its rusage, and its RSS over time (it must not grow with N).

    .venv/bin/python benchmarks/sync.py                      # 20,000 contacts, SQLite
    .venv/bin/python benchmarks/sync.py --quick              # 2,000 contacts
    .venv/bin/python benchmarks/sync.py --database-url URL   # an empty PostgreSQL database
    .venv/bin/python benchmarks/sync.py --backfill 200000    # peak RSS of a backfill
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import structlog
from common import (
    CONNECTOR,
    connector_env,
    minimum_activity_calls,
    ratio,
    sandbox_process,
    start_sandbox,
    stop,
    targets_line,
)

from connector import store as store_room
from connector.services import build_connector
from connector.settings import Settings
from connector.store import Store

GENERAL_PER_SECOND = 190 / 10
SEARCH_PER_SECOND = 5
TARGET_CALLS, TARGET_WALL, TARGET_RSS_MB = 1.05, 1.15, 300
WRITTEN = "leadflow_score"
# Endpoints under the search budget, and those HubSpot exempts from the limits.
SEARCHES = ("contacts.search", "tasks.search")
EXEMPT = ("email.single_send",)
RSS_SAMPLE_SECONDS = 0.5


@dataclass
class Timeline:
    """When each phase of the pass ended (seconds from its start) and how much it did."""

    started: float = field(default_factory=time.perf_counter)
    marks: dict[str, float] = field(default_factory=dict)
    done: Counter = field(default_factory=Counter)

    def progress(self, phase: str, count: int) -> None:
        self.marks[phase] = time.perf_counter() - self.started
        self.done[phase] += count

    def mark(self, name: str) -> float:
        self.marks[name] = time.perf_counter() - self.started
        return self.marks[name]


def empty_store(database_url: str) -> Store:
    """The store at `database_url`, migrated; refuses one that already holds contacts."""
    store = Store.from_url(database_url)
    store_room.upgrade(store.engine)
    if store.contact_count():
        raise SystemExit(f"{database_url} already holds contacts: give an empty database")
    return store


def minimum_calls(by_endpoint: Counter, world, answers) -> dict[str, int]:
    """The fewest calls per endpoint for what this run read and wrote (module docstring)."""
    created = by_endpoint.get("properties.create", 0)
    return {
        "contacts.search": math.ceil(world.contacts / 200),
        "events + email events": minimum_activity_calls(world),
        "contacts.batch_read": 0,
        "contacts.batch_update": math.ceil(answers.with_property[WRITTEN] / 100),
        "tasks.create": math.ceil(answers.tasks / 100),
        "owners.list": 1,
        "portal set-up": 1 + (2 + math.ceil(created / 100) if created else 0),
        "email.single_send": answers.sends,
    }


def made_calls(by_endpoint: Counter) -> dict[str, int]:
    """The calls made, grouped as `minimum_calls` groups them."""
    grouped = Counter()
    for endpoint, calls in by_endpoint.items():
        if endpoint in ("events.list", "email_events.list"):
            grouped["events + email events"] += calls
        elif endpoint.startswith(("properties.", "property_groups.")):
            grouped["portal set-up"] += calls
        else:
            grouped[endpoint] += calls
    return dict(grouped)


def run_pass(args: argparse.Namespace, database_url: str) -> None:
    with sandbox_process(args.contacts, watch=(WRITTEN,)) as hub:
        world = hub.world
        print(
            f"sandbox: {world.contacts:,} contacts, {world.events:,} behavioural events, "
            f"{sum(world.email_by_type.values()):,} email events, generated in "
            f"{world.generated_seconds:.1f} s; limits 190 per 10 s and 5 searches per s",
            flush=True,
        )
        store = empty_store(database_url)
        environment = connector_env(database_url, hub.base_url, LOG_LEVEL="warning")
        connector = build_connector(Settings.from_environment(environment, None), store)
        timeline = Timeline()
        connector.puller.progress = timeline.progress
        outcome = connector.puller.run(full=True)
        pulled = timeline.mark("pull")
        sent = connector.dispatch_due()
        wall = timeline.mark("dispatch")
        stored, left = store.contact_count(), store.outbox_depth()
        store.close()
    answers = hub.answers
    tally = connector.gateway.tally
    by_endpoint = Counter(tally.by_endpoint())
    made, minimum = made_calls(by_endpoint), minimum_calls(by_endpoint, world, answers)
    calls, least = sum(made.values()), sum(minimum.values())
    searches = sum(by_endpoint.get(e, 0) for e in SEARCHES)
    limited = calls - searches - sum(by_endpoint.get(e, 0) for e in EXEMPT)
    bound = max(searches / SEARCH_PER_SECOND, limited / GENERAL_PER_SECOND)
    search_refused = sum(
        n
        for (path, status), n in answers.by_path_status.items()
        if "search" in path and status == 400
    )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(
        f"pass: {outcome.contacts:,} contacts judged, {outcome.judged.transitions:,} stage "
        f"changes, {outcome.judged.effects:,} effects planned; {sent:,} sent "
        f"({answers.with_property[WRITTEN]:,} contacts written back, {answers.tasks:,} tasks, "
        f"{answers.sends:,} emails); left in the outbox: "
        + (", ".join(f"{n:,} {state}" for state, n in sorted(left.items()) if state != "sent"))
    )
    print(f"calls: {calls:,} (minimum {least:,}: {ratio(calls, least)}, target ≤ {TARGET_CALLS}×)")
    for group in sorted(set(made) | set(minimum)):
        print(f"  {group:<24} {made.get(group, 0):>6,}  minimum {minimum.get(group, 0):>6,}")
    print(
        f"429s: {tally.rate_limited()} seen by the gateway, {answers.rate_limited} logged by the "
        f"sandbox (target 0); searches refused (10,000-result cap): {search_refused}"
    )
    print(
        f"wall: {wall:.1f} s (rate-limit bound {bound:.1f} s = max({searches} searches / 5, "
        f"{limited:,} calls / 19): {ratio(wall, bound)}, target ≤ {TARGET_WALL}×)"
    )
    marks = timeline.marks
    print(
        f"  activities read by {marks.get('activities', 0):.1f} s, contacts walked by "
        f"{marks.get('contacts', 0):.1f} s, pull done at {pulled:.1f} s, dispatch done at "
        f"{wall:.1f} s; peak RSS of this process (connector) {peak_mb:.0f} MB"
    )
    print(
        targets_line(
            {
                f"calls ≤ {TARGET_CALLS}× minimum": calls <= TARGET_CALLS * least,
                "zero 429s": tally.rate_limited() == 0 and answers.rate_limited == 0,
                f"wall ≤ {TARGET_WALL}× bound": wall <= TARGET_WALL * bound,
                "every contact stored": stored == world.contacts,
                "every contact written back": answers.with_property[WRITTEN] == world.contacts,
            }
        )
    )


def rss_mb(pid: int) -> float:
    """Resident set size of a live process, from /proc (0 once it has gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class ProgressWatch:
    """Follows the connector's `sync.progress` log lines (JSON): how far each phase is."""

    def __init__(self, path: Path) -> None:
        self.path, self.offset, self.done = path, 0, {}

    def read(self) -> str:
        """The newest progress, e.g. "contacts 52,000"."""
        with self.path.open("rb") as log:
            log.seek(self.offset)
            chunk = log.read()
        complete = chunk[: chunk.rfind(b"\n") + 1]
        self.offset += len(complete)
        for line in complete.splitlines():
            if b"sync.progress" in line:
                entry = json.loads(line)
                self.done[entry["phase"]] = entry["done"]
        return ", ".join(f"{phase} {done:,}" for phase, done in self.done.items()) or "start"


def run_backfill(args: argparse.Namespace, database_url: str, workdir: Path) -> None:
    """`connector sync --full` in a child process: its peak RSS and RSS as it goes."""
    empty_store(database_url).close()
    sandbox, base_url, ready = start_sandbox(workdir, args.backfill)
    try:
        print(
            f"sandbox: {args.backfill:,} demo contacts generated and serving in {ready:.0f} s "
            f"(sandbox RSS {rss_mb(sandbox.pid):,.0f} MB)",
            flush=True,
        )
        out_path, log_path = workdir / "sync.out", workdir / "sync.log"
        watch = ProgressWatch(log_path)
        started = time.perf_counter()
        with out_path.open("wb") as out, log_path.open("wb") as log:
            sync = subprocess.Popen(
                [str(CONNECTOR), "--env-file=/dev/null", "sync", "--full"],
                cwd=workdir,
                env=connector_env(database_url, base_url),
                stdout=out,
                stderr=log,
            )
        samples: list[tuple[float, str, float]] = []
        while sync.poll() is None:
            samples.append((time.perf_counter() - started, watch.read(), rss_mb(sync.pid)))
            time.sleep(RSS_SAMPLE_SECONDS)
        # poll() reaped it: its peak is the largest RUSAGE_CHILDREN has seen, since
        # the sandbox, the only other child, is still running.
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        took = time.perf_counter() - started
        if sync.returncode:
            raise SystemExit(f"connector sync failed:\n{log_path.read_text()[-3000:]}")
    finally:
        stop(sandbox)
    print(f"connector sync --full: {out_path.read_text().strip()}")
    print(f"  took {took:.0f} s ({args.backfill / took:,.0f} contacts/s)")
    print("  RSS as it went (seconds, progress, RSS):")
    for at, progress, mb in samples[:: max(1, len(samples) // 12)]:
        print(f"    {at:6.0f} s  {progress:<44} {mb:5.0f} MB")
    print(
        f"  peak RSS {peak_mb:.0f} MB (target < {TARGET_RSS_MB} MB: "
        f"{ratio(peak_mb, TARGET_RSS_MB)})"
    )
    print(targets_line({f"peak RSS < {TARGET_RSS_MB} MB": peak_mb < TARGET_RSS_MB}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=20_000, help="changed contacts")
    parser.add_argument("--quick", action="store_true", help="2,000 contacts (a smoke run)")
    parser.add_argument(
        "--database-url", help="an empty database to sync into (default: SQLite in a temp dir)"
    )
    parser.add_argument(
        "--backfill", type=int, metavar="N", help="measure the peak RSS of an N-contact backfill"
    )
    args = parser.parse_args()
    if args.quick:
        args.contacts = 2_000
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(40))
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start")
    with tempfile.TemporaryDirectory(prefix="leadflow-sync-") as tmp:
        workdir = Path(tmp)
        database_url = args.database_url or f"sqlite:///{workdir / 'sync.db'}"
        if args.backfill:
            run_backfill(args, database_url, workdir)
        else:
            run_pass(args, database_url)


if __name__ == "__main__":
    main()
