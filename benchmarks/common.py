"""What several benchmarks share: a sandbox in its own process, loopback helpers, figures.

Not a benchmark itself (`make bench` runs it and it prints nothing). Importing
it puts the repository root on `sys.path`, so a script may import `tests.*`.

- `sandbox_process(...)`: the HubSpot sandbox with a demo world in a child
  process (its work does not share the measured process's GIL); says what the
  world holds and, at the end, what the sandbox answered.
- `minimum_activity_calls`: the fewest calls that read a world's activity.
- `start_sandbox`, `connector_env`, `free_port`, `wait_until_healthy`: the
  sandbox and the connector as real processes (`connector sandbox`, `connector ...`).
- `percentile`, `ratio`, `targets_line`: how figures are printed.
"""

from __future__ import annotations

import http.client
import logging
import math
import multiprocessing
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
CONFIG_DIR = REPO / "config"
CONNECTOR = Path(sys.executable).parent / "connector"

SCORED_EMAIL_TYPES = ("OPEN", "CLICK", "BOUNCE", "STATUSCHANGE")
EVENTS_PAGE = 1000
EMAIL_EVENTS_PAGE = 1000


@dataclass(frozen=True)
class WorldCounts:
    """What the sandbox's world held when it started answering."""

    contacts: int
    events: int
    email_by_type: dict[str, int]
    generated_seconds: float


SPEED_PROBE = 5_000_000


def machine_line() -> str:
    """The machine as this run found it: cores, load, and the seconds a fixed pure-Python
    loop took (lower is faster), so runs on a shared machine whose speed varies can be
    compared with each other."""
    started = time.perf_counter()
    sum(i * i for i in range(SPEED_PROBE))
    probe = time.perf_counter() - started
    return (
        f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start, "
        f"a fixed Python loop in {probe:.2f} s (lower is faster)"
    )


def minimum_activity_calls(world: WorldCounts) -> int:
    """The fewest calls that read every activity of `world`:
    - events: ceil(E / 1000), pages of at most 1000;
    - email events: the cheaper of one unfiltered pass over every type,
      ceil(M_all / 1000), and one pass per scored type, sum of ceil(M_t / 1000).
    """
    email_all = math.ceil(sum(world.email_by_type.values()) / EMAIL_EVENTS_PAGE)
    email_typed = sum(
        math.ceil(world.email_by_type.get(t, 0) / EMAIL_EVENTS_PAGE) or 1
        for t in SCORED_EMAIL_TYPES
    )
    return math.ceil(world.events / EVENTS_PAGE) + min(email_all, email_typed)


@dataclass(frozen=True)
class SandboxAnswers:
    """What the sandbox answered, from its request log and world, when told to stop.

    `with_property` counts the live contacts that hold each watched property.
    """

    statuses: Counter
    by_path_status: Counter
    tasks: int
    sends: int
    with_property: dict[str, int] = field(default_factory=dict)
    cpu_seconds: float = 0.0  # the sandbox's CPU time while it answered (after generating)

    @property
    def rate_limited(self) -> int:
        return self.statuses.get(429, 0)


@dataclass
class SandboxHandle:
    base_url: str
    token: str
    client_secret: str
    world: WorldCounts
    answers: SandboxAnswers | None = None


def _serve(connection, contacts: int, seed: int, watch: Sequence[str], options: dict) -> None:
    """Child process: a sandbox with the demo world until told to stop; reports its log."""
    logging.disable(logging.CRITICAL)  # injected faults make Flask print tracebacks
    from connector.sandbox.testing import running_sandbox

    started = time.perf_counter()
    with running_sandbox(contacts=contacts, seed=seed, **options) as hub:
        world = hub.state
        with world.lock:
            events = sum(1 for _ in world.activity.scan())
            email = Counter(e.type for e in world.email_events.scan())
        counts = WorldCounts(contacts, events, dict(email), time.perf_counter() - started)
        connection.send((hub.base_url, hub.token, hub.client_secret, counts))
        serving = time.process_time()
        connection.recv()
        cpu_seconds = time.process_time() - serving
        entries = hub.request_log.entries
        with world.lock:
            live = [r for r in world.contacts.records.values() if not r.archived]
            with_property = {name: sum(1 for r in live if r.props.get(name)) for name in watch}
            answers = SandboxAnswers(
                statuses=Counter(e.status for e in entries),
                by_path_status=Counter((_route(e.path), e.status) for e in entries),
                tasks=len(world.tasks.records),
                sends=len(world.sends),
                with_property=with_property,
                cpu_seconds=cpu_seconds,
            )
        connection.send(answers)


def _route(path: str) -> str:
    """A request path without its ids, so answers group by endpoint."""
    return "/".join("{id}" if part.isdigit() else part for part in path.split("/"))


@contextmanager
def sandbox_process(
    contacts: int, *, seed: int = 1, watch: Sequence[str] = (), **options
) -> Iterator[SandboxHandle]:
    """A sandbox (`running_sandbox` options) in a spawned child process.

    On leaving the block the child reports its answers into `handle.answers`
    and stops. `watch` names contact properties to count at the end.
    """
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    child = context.Process(
        target=_serve, args=(theirs, contacts, seed, tuple(watch), options), daemon=True
    )
    child.start()
    handle = SandboxHandle(*ours.recv())
    try:
        yield handle
    finally:
        ours.send("stop")
        handle.answers = ours.recv()
        child.join(timeout=30)


def start_sandbox(
    workdir: Path, contacts: int, *options: str
) -> tuple[subprocess.Popen, str, float]:
    """`connector sandbox` on a free port with `contacts` demo contacts (seed 1) and
    `options`; returns (process, base URL, seconds until it served)."""
    port = free_port()
    log_path = workdir / f"sandbox-{port}.log"
    command = [str(CONNECTOR), "sandbox", f"--port={port}", f"--contacts={contacts}", "--seed=1"]
    started = time.perf_counter()
    with log_path.open("wb") as log:
        process = subprocess.Popen([*command, *options], cwd=workdir, stdout=log, stderr=log)
    while "HubSpot sandbox on" not in log_path.read_text():
        if process.poll() is not None:
            raise SystemExit(f"the sandbox exited:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.2)
    return process, f"http://127.0.0.1:{port}", time.perf_counter() - started


def connector_env(database_url: str, base_url: str, **settings: str) -> dict[str, str]:
    """The environment of a `connector` process against the sandbox at `base_url`, with
    the shipped config, JSON logs at info and `settings` (variables) on top; the
    developer's own LEADFLOW_*/HUBSPOT_* variables are left out."""
    from connector.sandbox import DEMO_CLIENT_SECRET, DEMO_TOKEN

    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEADFLOW_", "HUBSPOT_"))}
    env.update(
        DATABASE_URL=database_url,
        LEADFLOW_CONFIG_DIR=str(CONFIG_DIR),
        HUBSPOT_BASE_URL=base_url,
        HUBSPOT_ACCESS_TOKEN=DEMO_TOKEN,
        HUBSPOT_CLIENT_SECRET=DEMO_CLIENT_SECRET,
        LOG_LEVEL="info",
        LOG_FORMAT="json",
    )
    env.update(settings)
    return env


def stop(process: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL if it has not ended within 30 s."""
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_healthy(
    process: subprocess.Popen, port: int, log_path: Path, name: str, path: str = "/healthz"
) -> None:
    """Return once `GET path` answers 200; exit with the log's tail if the process dies."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{name} exited at start-up:\n{log_path.read_text()[-3000:]}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", path)
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{name} did not answer {path} within 30 s")


def percentile(ordered: list[float], fraction: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def ratio(value: float, target: float) -> str:
    return f"{value / target:.2f}×"


def targets_line(checks: dict[str, bool]) -> str:
    return "targets: " + "; ".join(f"{k}: {'yes' if ok else 'NO'}" for k, ok in checks.items())
