"""How many signed webhook events the receiver stores per second under gunicorn, and how fast.

The receiver runs as in production, `gunicorn connector.wsgi:app` in a child
process with its settings in the environment, on a fresh SQLite file (migrated
first) and, when TEST_DATABASE_URL is set, on a fresh PostgreSQL database
created beside it, with two sync workers (the best setup `--sweep` found on
two cores, for both databases; each result names its setup). Load comes from
10 client processes over loopback, as many requests in flight as HubSpot sends
at most by default; each one posts, reads the answer and posts again (closed
loop) on a connection it reopens when the server closes it, with a v3
signature made just before each send. Two phases of a fixed number of seconds,
each after a short warm-up:

- batches of 100 events (one Webhooks API delivery): events/s acknowledged
  with 200 (target >= 20,000), requests/s, p50/p99 latency (target p99 < 50 ms);
- single events: requests/s (target >= 1,000), p50/p99 latency.

Latency runs from the first byte sent to the last byte of the answer read.
Afterwards every event acknowledged with 200 (warm-ups included) is looked up
in the inbox by its identity: events lost must be 0. The load generator shares
the machine's cores with the server, so each phase also prints where the CPU
time went: server, database server (PostgreSQL on this machine), load
generator, other processes (other work on the machine), idle.

    scripts/with-postgres .venv/bin/python benchmarks/webhook_ingest.py   # SQLite and PostgreSQL
    .venv/bin/python benchmarks/webhook_ingest.py --seconds 5             # SQLite only, shorter
    .venv/bin/python benchmarks/webhook_ingest.py --database-url URL      # that database instead
    scripts/with-postgres .venv/bin/python benchmarks/webhook_ingest.py --sweep  # gunicorn setups
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from array import array
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from common import free_port, machine_line, percentile, ratio, wait_until_healthy
from sqlalchemy import text
from sqlalchemy.engine import make_url

from connector import store as store_room
from connector.store import Store
from connector.webhooks import expected_signature
from tests.conftest import fresh_postgres_database

TARGET_BATCH_EVENTS_PER_S = 20_000
TARGET_SINGLE_REQUESTS_PER_S = 1_000
TARGET_P99_MS = 50
BATCH = 100
PATH = "/webhooks/hubspot"
GUNICORN = Path(sys.executable).parent / "gunicorn"
WARM_UP_SECONDS = 2.0
START_DELAY_SECONDS = 0.5
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

SUBSCRIPTION = 7
OCCURRED_BASE_MS = 1_764_000_000_000
OBJECTS = 50_000
EVENT = (
    '{"eventId":%d,"subscriptionId":7,"portalId":%d,"occurredAt":%d,'
    '"subscriptionType":"contact.propertyChange","attemptNumber":0,"objectId":%d,'
    '"propertyName":"lifecyclestage","propertyValue":"lead","changeSource":"CRM"}'
)
# Each client of each phase draws event ids from its own block, so no event repeats.
IDS_PER_CLIENT = 100_000_000


@dataclass(frozen=True)
class GunicornSetup:
    worker_class: str
    workers: int
    threads: int

    def __str__(self) -> str:
        if self.worker_class == "sync":
            return f"sync, {self.workers} workers"
        return f"{self.worker_class}, {self.workers} workers × {self.threads} threads"


# What `--sweep` compares on two cores.
SETUPS = (
    GunicornSetup("sync", 2, 1),
    GunicornSetup("sync", 3, 1),
    GunicornSetup("gthread", 1, 4),
    GunicornSetup("gthread", 1, 8),
    GunicornSetup("gthread", 2, 2),
    GunicornSetup("gthread", 2, 4),
)
# Chosen with --sweep on this machine: a process per core did best on both
# databases. SQLite has one writer; its inbox writers, in any process, queue on
# a file lock rather than poll SQLite's lock (store/inbox.py).
DEFAULT_SETUPS = {
    "SQLite": GunicornSetup("sync", 2, 1),
    "PostgreSQL": GunicornSetup("sync", 2, 1),
}
# HubSpot's default limit of requests in flight per app (maxConcurrentRequests).
CLIENTS = 10


def object_id(event_id: int) -> int:
    return event_id % OBJECTS + 1


def identity(portal: int, event_id: int) -> str:
    """The inbox identity the receiver derives (events.parse_batch)."""
    return f"{portal}:{SUBSCRIPTION}:{event_id}:{object_id(event_id)}:{OCCURRED_BASE_MS + event_id}"


@dataclass(frozen=True)
class Job:
    """What one client process does: post batches of `batch` from start_at to stop_at."""

    port: int
    secret: str
    portal: int
    batch: int
    first_id: int
    start_at: float
    stop_at: float


@dataclass
class Tally:
    """What one client saw; `acked` holds the event ids answered with 200."""

    acked: array = field(default_factory=lambda: array("q"))
    latencies: array = field(default_factory=lambda: array("d"))
    errors: Counter = field(default_factory=Counter)
    cpu_seconds: float = 0.0
    began: float = 0.0
    ended: float = 0.0


def drive(job: Job) -> Tally:
    """Post signed batches on one connection until stop_at; reconnect when the server closes it."""
    tally = Tally()
    connection = http.client.HTTPConnection("127.0.0.1", job.port, timeout=30)
    url = f"http://127.0.0.1:{job.port}{PATH}"
    next_id = job.first_id
    time.sleep(max(0.0, job.start_at - time.time()))
    cpu_before = time.process_time()
    tally.began = time.time()
    while time.time() < job.stop_at:
        ids = range(next_id, next_id + job.batch)
        next_id += job.batch
        events = (EVENT % (i, job.portal, OCCURRED_BASE_MS + i, object_id(i)) for i in ids)
        body = f"[{','.join(events)}]".encode()
        timestamp = str(int(time.time() * 1000))
        headers = {
            "Content-Type": "application/json",
            "X-HubSpot-Request-Timestamp": timestamp,
            "X-HubSpot-Signature-v3": expected_signature(
                "v3", job.secret, "POST", url, body, timestamp
            ),
        }
        started = time.perf_counter()
        try:
            connection.request("POST", PATH, body, headers)
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException) as error:
            tally.errors[type(error).__name__] += 1
            connection.close()
            continue
        tally.latencies.append(time.perf_counter() - started)
        if response.status == 200:
            tally.acked.extend(ids)
        else:
            tally.errors[f"HTTP {response.status}"] += 1
    tally.ended = time.time()
    tally.cpu_seconds = time.process_time() - cpu_before
    connection.close()
    return tally


def _stat(pid: int) -> list[str]:
    """/proc/<pid>/stat from the state field on (the name may hold spaces)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def family(pid: int) -> list[int]:
    """`pid` and its children."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [pid, *map(int, children)]


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of these processes; one that has gone counts 0."""
    total = 0
    for pid in pids:
        try:
            fields = _stat(pid)
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / CLOCK_TICKS


def machine_busy_seconds() -> float:
    """CPU time all cores have spent not idle since boot."""
    ticks = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) / CLOCK_TICKS


def postgres_postmaster(store: Store) -> int | None:
    """The pid of the PostgreSQL server when it runs on this machine, else None."""
    if store.dialect != "postgresql":
        return None
    with store.engine.connect() as connection:
        backend = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
    try:
        if Path(f"/proc/{backend}/comm").read_text().strip() != "postgres":
            return None
        return int(_stat(backend)[1])
    except OSError:
        return None


@contextmanager
def gunicorn(
    database_url: str, secret: str, setup: GunicornSetup, workdir: Path
) -> Iterator[tuple[int, int]]:
    """(port, master pid) of `gunicorn connector.wsgi:app` on loopback; stopped on exit.

    It runs in `workdir`, so a developer's `.env` cannot change what is measured.
    """
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEADFLOW_", "HUBSPOT_"))}
    env.update(
        LEADFLOW_DEMO="true",
        HUBSPOT_CLIENT_SECRET=secret,
        DATABASE_URL=database_url,
        LOG_LEVEL="warning",
    )
    command = [
        str(GUNICORN),
        "connector.wsgi:app",
        f"--bind=127.0.0.1:{port}",
        f"--worker-class={setup.worker_class}",
        f"--workers={setup.workers}",
        f"--threads={setup.threads}",
        "--log-level=warning",
    ]
    log_path = workdir / f"gunicorn-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=workdir, env=env, stdout=log, stderr=log)
    try:
        wait_until_healthy(process, port, log_path, "gunicorn")
        yield port, process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Phase:
    """The figures of one timed phase; CPU figures are core-seconds."""

    batch: int
    seconds: float
    requests: int
    events: int
    p50_ms: float
    p99_ms: float
    errors: Counter
    cpu: dict[str, float]
    metered_seconds: float

    @property
    def requests_per_s(self) -> float:
        return self.requests / self.seconds

    @property
    def events_per_s(self) -> float:
        return self.events / self.seconds


class Load:
    """Runs phases against one server, remembering every event acknowledged."""

    def __init__(
        self, port: int, secret: str, clients: int, meters: dict[str, Callable[[], float]]
    ) -> None:
        self.port, self.secret, self.clients, self.meters = port, secret, clients, meters
        self.portal = secrets.randbelow(10**9)
        self.acked: list[array] = []
        self._blocks = 0

    def run(self, batch: int, seconds: float) -> Phase:
        """1. Fork the clients; they all start at one instant and stop `seconds` later.
        2. Read the CPU meters when they start and when the last one has finished.
        3. Add up what the clients saw.
        """
        start_at = time.time() + START_DELAY_SECONDS
        jobs = []
        for _ in range(self.clients):
            self._blocks += 1
            first_id = self._blocks * IDS_PER_CLIENT
            stop_at = start_at + seconds
            jobs.append(
                Job(self.port, self.secret, self.portal, batch, first_id, start_at, stop_at)
            )
        with multiprocessing.get_context("fork").Pool(self.clients) as pool:
            pending = pool.map_async(drive, jobs, chunksize=1)
            time.sleep(max(0.0, start_at - time.time()))
            before = {name: meter() for name, meter in self.meters.items()}
            metered_from = time.monotonic()
            tallies = pending.get()
            cpu = {name: meter() - before[name] for name, meter in self.meters.items()}
            metered_seconds = time.monotonic() - metered_from
        cpu["load generator"] = sum(t.cpu_seconds for t in tallies)
        latencies = sorted(x for t in tallies for x in t.latencies)
        self.acked.extend(t.acked for t in tallies)
        return Phase(
            batch=batch,
            seconds=max(t.ended for t in tallies) - min(t.began for t in tallies),
            requests=len(latencies),
            events=sum(len(t.acked) for t in tallies),
            p50_ms=percentile(latencies, 0.50) * 1000,
            p99_ms=percentile(latencies, 0.99) * 1000,
            errors=sum((t.errors for t in tallies), Counter()),
            cpu=cpu,
            metered_seconds=metered_seconds,
        )

    def check_inbox(self, store: Store) -> tuple[int, int, int]:
        """(acknowledged, lost: acknowledged but not in the inbox, stored but not acknowledged).

        The last happens when an answer is cut off after the commit; HubSpot
        retries such a delivery and the inbox drops the repeat.
        """
        depth = store.inbox_depth()
        listed = store.list_inbox(list(depth), limit=sum(depth.values()))
        prefix = f"{self.portal}:"
        stored = {item.key for item in listed if item.key.startswith(prefix)}
        acknowledged = {identity(self.portal, i) for block in self.acked for i in block}
        return len(acknowledged), len(acknowledged - stored), len(stored - acknowledged)


def cpu_line(phase: Phase) -> str:
    """Where the cores' time went during the phase."""
    capacity = (os.cpu_count() or 1) * phase.metered_seconds
    busy = phase.cpu["machine"]
    parts = {name: seconds for name, seconds in phase.cpu.items() if name != "machine"}
    parts["other processes"] = max(0.0, busy - sum(parts.values()))
    parts["idle"] = max(0.0, capacity - busy)
    shares = ", ".join(f"{k} {v:.1f} ({v / capacity:.0%})" for k, v in parts.items())
    return f"CPU core-seconds, {capacity:.1f} on {os.cpu_count()} cores: {shares}"


def phase_lines(label: str, phase: Phase) -> list[str]:
    if phase.batch > 1:
        rate = (
            f"{phase.events_per_s:,.0f} events/s accepted (target "
            f"{TARGET_BATCH_EVENTS_PER_S:,}: {ratio(phase.events_per_s, TARGET_BATCH_EVENTS_PER_S)}"
            f"), {phase.requests_per_s:,.0f} requests/s"
        )
    else:
        rate = (
            f"{phase.requests_per_s:,.0f} requests/s (target {TARGET_SINGLE_REQUESTS_PER_S:,}: "
            f"{ratio(phase.requests_per_s, TARGET_SINGLE_REQUESTS_PER_S)})"
        )
    server_ms = phase.cpu["server"] / phase.requests * 1000 if phase.requests else float("nan")
    errors = ", ".join(f"{n} {kind}" for kind, n in phase.errors.most_common()) or "none"
    return [
        f"  {label}: {rate}",
        f"  {label}: latency p50 {phase.p50_ms:.1f} ms, p99 {phase.p99_ms:.1f} ms "
        f"(limit {TARGET_P99_MS} ms: {ratio(phase.p99_ms, TARGET_P99_MS)})",
        f"  {label}: {phase.requests:,} requests in {phase.seconds:.1f} s, errors: {errors}, "
        f"server CPU {server_ms:.2f} ms a request",
        f"  {label}: {cpu_line(phase)}",
    ]


@contextmanager
def serving(
    database_url: str, setup: GunicornSetup, clients: int, workdir: Path
) -> Iterator[tuple[Load, Store]]:
    """A migrated database, gunicorn over it, and a Load whose meters watch both."""
    secret = secrets.token_urlsafe(24)
    store = Store.from_url(database_url)
    try:
        store_room.upgrade(store.engine)
        postmaster = postgres_postmaster(store)
        with gunicorn(database_url, secret, setup, workdir) as (port, master):
            meters = {
                "server": lambda: cpu_seconds(family(master)),
                "machine": machine_busy_seconds,
            }
            if postmaster:
                meters["database server"] = lambda: cpu_seconds(family(postmaster))
            yield Load(port, secret, clients, meters), store
    finally:
        store.close()


def measure(name: str, database_url: str, setup: GunicornSetup, args, workdir: Path) -> list[str]:
    """Both phases against one gunicorn, then the inbox check; the lines to print."""
    with serving(database_url, setup, args.clients, workdir) as (load, store):
        load.run(BATCH, WARM_UP_SECONDS)
        batches = load.run(BATCH, args.seconds)
        load.run(1, WARM_UP_SECONDS / 2)
        singles = load.run(1, args.seconds)
        acknowledged, lost, unacknowledged = load.check_inbox(store)
    return [
        f"{name}: gunicorn {setup}; {args.clients} client processes over loopback, "
        f"{args.seconds:.0f} s per phase",
        *phase_lines(f"batches of {BATCH}", batches),
        *phase_lines("single events", singles),
        f"  events lost: {lost} of {acknowledged:,} acknowledged with 200 (must be 0); "
        f"stored without an acknowledgement: {unacknowledged}",
    ]


def sweep_line(name: str, database_url: str, setup: GunicornSetup, args, workdir: Path) -> str:
    with serving(database_url, setup, args.clients, workdir) as (load, _store):
        load.run(BATCH, WARM_UP_SECONDS)
        batches = load.run(BATCH, args.seconds)
        singles = load.run(1, args.seconds)
    return (
        f"  {name} {str(setup):<32} batches {batches.events_per_s:>7,.0f} events/s, "
        f"p50 {batches.p50_ms:5.1f} ms, p99 {batches.p99_ms:5.1f} ms | "
        f"single {singles.requests_per_s:>6,.0f} requests/s, "
        f"p50 {singles.p50_ms:5.1f} ms, p99 {singles.p99_ms:5.1f} ms"
    )


def databases(args: argparse.Namespace, workdir: Path) -> Iterator[tuple[str, str]]:
    """(name, URL) of each database to measure; a PostgreSQL one is fresh and dropped after."""
    if args.database_url:
        url = make_url(args.database_url)
        if url.get_backend_name() == "sqlite":
            # gunicorn runs in another folder: a relative file must not become another file.
            yield "SQLite", url.set(database=str(Path(url.database).resolve())).render_as_string()
        else:
            yield "PostgreSQL", args.database_url
        return
    yield "SQLite", f"sqlite:///{workdir / 'inbox.db'}"
    if not os.environ.get("TEST_DATABASE_URL"):
        print("TEST_DATABASE_URL not set: SQLite only (scripts/with-postgres runs both)")
        return
    url, drop = fresh_postgres_database()
    try:
        yield "PostgreSQL", url
    finally:
        drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each timed phase")
    parser.add_argument(
        "--clients", type=int, default=CLIENTS, help="load generator processes (requests in flight)"
    )
    parser.add_argument("--database-url", help="measure this database instead (migrated first)")
    parser.add_argument("--worker-class", choices=("sync", "gthread"), help="gunicorn's")
    parser.add_argument("--workers", type=int, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, help="threads per gthread worker")
    parser.add_argument("--sweep", action="store_true", help="compare gunicorn setups instead")
    args = parser.parse_args()
    print(machine_line())
    with tempfile.TemporaryDirectory(prefix="leadflow-webhooks-") as tmp:
        workdir = Path(tmp)
        for name, url in databases(args, workdir):
            if args.sweep:
                print(f"{name}: {args.clients} client processes, {args.seconds:.0f} s per phase")
                for setup in SETUPS:
                    print(sweep_line(name, url, setup, args, workdir), flush=True)
                continue
            default = DEFAULT_SETUPS[name]
            setup = GunicornSetup(
                args.worker_class or default.worker_class,
                args.workers or default.workers,
                args.threads or default.threads,
            )
            for line in measure(name, url, setup, args, workdir):
                print(line, flush=True)


if __name__ == "__main__":
    main()
