"""How close a full sync pass comes to the fewest HubSpot calls and the fastest time allowed.

The sandbox holds N changed contacts (20,000 by default) with their demo
history, at a Professional portal's limits (190 calls per 10 s, 5 searches per
s), in a child process. The connector is the real one (`build_connector` over
a store and a `HubSpotGateway` built from settings, 90% budget) run as
`connector sync --full` runs it: a full pass, `connector.puller.run(full=True)`,
with the dispatcher sending whole batches of due effects alongside, then
`connector.dispatch_due()` for the rest (the last partial batches; write-backs,
CALL tasks and the nurture emails due now).

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
`connector sync --full` (which also sends what it plans) as two processes, the
connector's peak RSS (target < 300 MB) from its rusage, and its RSS over time
(it must not grow with N).

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
    SandboxAnswers,
    WorldCounts,
    connector_env,
    machine_line,
    minimum_activity_calls,
    ratio,
    sandbox_process,
    start_sandbox,
    stop,
    targets_line,
)

from connector import store as store_room
from connector.hubspot.metrics import CallTally
from connector.services import build_connector
from connector.settings import Settings
from connector.store import Store
from connector.sync import SyncOutcome, alongside

GENERAL_PER_SECOND = 190 / 10
SEARCH_PER_SECOND = 5
TARGET_CALLS, TARGET_WALL, TARGET_RSS_MB = 1.05, 1.15, 300
WRITTEN = "leadflow_score"
# Endpoints under the search budget, and those HubSpot exempts from the limits.
SEARCHES = ("contacts.search", "tasks.search")
EXEMPT = ("email.single_send",)
RSS_SAMPLE_SECONDS = 0.5


@dataclass
class Phase:
    """One phase of the pass: when it ended (s from the start) and the calls it made."""

    ended: float
    searches: int
    limited: int
    cpu: float = 0.0  # the connector's CPU seconds in this phase, all its threads

    @property
    def floor(self) -> float:
        """The least time its calls take at the portal's limits, both budgets at once."""
        return max(self.searches / SEARCH_PER_SECOND, self.limited / GENERAL_PER_SECOND)


@dataclass
class Timeline:
    """Cuts the run into its parts (the pass, with whole batches sent alongside, then the
    dispatch of what is left) by the gateway's call counts at each mark."""

    tally: CallTally
    started: float = field(default_factory=time.perf_counter)
    phases: dict[str, Phase] = field(default_factory=dict)
    _counted: tuple[int, int] = (0, 0)
    _cpu: float = field(default_factory=time.process_time)

    def mark(self, name: str) -> None:
        """End part `name` now."""
        by_endpoint = self.tally.by_endpoint()
        searches = sum(by_endpoint.get(e, 0) for e in SEARCHES)
        limited = sum(by_endpoint.values()) - searches - sum(by_endpoint.get(e, 0) for e in EXEMPT)
        self.phases[name] = Phase(
            time.perf_counter() - self.started,
            searches - self._counted[0],
            limited - self._counted[1],
            time.process_time() - self._cpu,
        )
        self._counted, self._cpu = (searches, limited), time.process_time()

    @property
    def wall(self) -> float:
        return max(phase.ended for phase in self.phases.values())


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
        "tasks.batch_create": math.ceil(answers.tasks / 100),
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


@dataclass
class PassResult:
    world: WorldCounts
    answers: SandboxAnswers
    outcome: SyncOutcome
    sent: int
    left: dict[str, int]
    stored: int
    by_endpoint: Counter
    rate_limited: int
    timeline: Timeline
    budget: float  # the share of both limits leadflow keeps to (HUBSPOT_RATE_BUDGET)


def run_pass(contacts: int, database_url: str) -> PassResult:
    """A sandbox of `contacts` changed contacts, a full pass with dispatch alongside, then
    the rest of the dispatch."""
    with sandbox_process(contacts, watch=(WRITTEN,)) as hub:
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
        timeline = Timeline(connector.gateway.tally)
        connector.prepare_portal()
        with alongside(connector.dispatcher):
            outcome = connector.puller.run(full=True)
        timeline.mark("pass")
        connector.dispatch_due()
        timeline.mark("the rest")
        stored, left = store.contact_count(), store.outbox_depth()
        sent = left.get("sent", 0)
        store.close()
    tally = connector.gateway.tally
    return PassResult(
        world,
        hub.answers,
        outcome,
        sent,
        left,
        stored,
        Counter(tally.by_endpoint()),
        tally.rate_limited(),
        timeline,
        connector.settings.hubspot_rate_budget,
    )


def report_pass(result: PassResult) -> None:
    world, answers, timeline = result.world, result.answers, result.timeline
    made = made_calls(result.by_endpoint)
    minimum = minimum_calls(result.by_endpoint, world, answers)
    emails = made.pop("email.single_send", 0)
    minimum.pop("email.single_send", None)
    calls, least = sum(made.values()), sum(minimum.values())
    whole = Phase(
        timeline.wall,
        sum(phase.searches for phase in timeline.phases.values()),
        sum(phase.limited for phase in timeline.phases.values()),
    )
    search_refused = sum(
        n
        for (path, status), n in answers.by_path_status.items()
        if "search" in path and status == 400
    )
    waiting = ", ".join(
        f"{n:,} {state}" for state, n in sorted(result.left.items()) if state != "sent"
    )
    print(
        f"pass: {result.outcome.contacts:,} contacts judged, "
        f"{result.outcome.judged.transitions:,} stage changes, "
        f"{result.outcome.judged.effects:,} effects planned; {result.sent:,} sent "
        f"({answers.with_property[WRITTEN]:,} contacts written back, {answers.tasks:,} tasks, "
        f"{emails:,} emails); not due yet: {waiting or 'none'}"
    )
    print(
        f"calls: {calls:,} (minimum {least:,}: {ratio(calls, least)}, target ≤ {TARGET_CALLS}×), "
        f"besides {emails:,} single-send emails (one call each, exempt from the limits)"
    )
    for group in sorted(set(made) | set(minimum)):
        print(f"  {group:<24} {made.get(group, 0):>6,}  minimum {minimum.get(group, 0):>6,}")
    print(
        f"429s: {result.rate_limited} seen by the gateway, {answers.rate_limited} logged by the "
        f"sandbox (target 0); searches refused (10,000-result cap): {search_refused}"
    )
    print(
        f"wall: {whole.ended:.1f} s (rate-limit bound {whole.floor:.1f} s = max({whole.searches} "
        f"searches / 5, {whole.limited:,} calls / 19): {ratio(whole.ended, whole.floor)}, "
        f"target ≤ {TARGET_WALL}×)"
    )
    own = whole.floor / result.budget
    print(
        f"  against leadflow's own budget ({result.budget:.0%} of both limits, {own:.1f} s): "
        f"{ratio(whole.ended, own)}"
    )
    began = 0.0
    for name, phase in timeline.phases.items():
        print(
            f"  {name:<9} {phase.ended - began:6.1f} s for {phase.searches:,} searches and "
            f"{phase.limited:,} other calls (at the limits: {phase.floor:.1f} s); "
            f"connector CPU {phase.cpu:.1f} s"
        )
        began = phase.ended
    connector_cpu = sum(phase.cpu for phase in timeline.phases.values())
    print(
        f"  CPU: the connector {connector_cpu:.1f} s, the sandbox {answers.cpu_seconds:.1f} s, "
        f"on {os.cpu_count()} cores"
    )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak RSS of this process (the connector; the sandbox is apart) {peak_mb:.0f} MB")
    print(
        targets_line(
            {
                f"calls ≤ {TARGET_CALLS}× minimum": calls <= TARGET_CALLS * least,
                "zero 429s": result.rate_limited == 0 and answers.rate_limited == 0,
                f"wall ≤ {TARGET_WALL}× bound": whole.ended <= TARGET_WALL * whole.floor,
                "every contact stored": result.stored == world.contacts,
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
    print(machine_line())
    with tempfile.TemporaryDirectory(prefix="leadflow-sync-") as tmp:
        workdir = Path(tmp)
        database_url = args.database_url or f"sqlite:///{workdir / 'sync.db'}"
        if args.backfill:
            run_backfill(args, database_url, workdir)
        else:
            report_pass(run_pass(args.contacts, database_url))


if __name__ == "__main__":
    main()
