"""The real `connector` command as child processes a reliability test can kill and restart.

    runner = Runner(environment(hub, database_url, config_dir), tmp_path)
    run = runner.run("worker", "--once", failpoint="refresh.after_commit:1")
    if run.killed:                     # SIGKILLed itself at the failpoint
        expire_claims_of(database_url, run.pid)

Each process writes its output and its log to files of its own (a pipe nobody
reads would block it). A killed worker's claims stay leased for minutes, as in production;
`expire_claims_of` ends them at once, which is what waiting out the lease does.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests
from sqlalchemy import create_engine, update

from connector.failpoints import ENVIRONMENT_VARIABLE as FAILPOINTS
from connector.sandbox.testing import RunningSandbox
from connector.store.tables import inbox_events, outbox_effects

CONNECTOR = str(Path(sys.executable).parent / "connector")
RUN_TIMEOUT_S = 120


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment(hub: RunningSandbox, database_url: str, config_dir: Path, **extra: str) -> dict:
    """What a connector process needs to work against `hub` and `database_url`."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "LEADFLOW_CONFIG_DIR": str(config_dir),
        "HUBSPOT_BASE_URL": hub.base_url,
        "HUBSPOT_ACCESS_TOKEN": hub.token,
        "HUBSPOT_CLIENT_SECRET": hub.client_secret,
        "LOG_FORMAT": "json",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


@dataclass
class Run:
    """One process: its command, the failpoint it was armed with, and how it ended."""

    args: tuple[str, ...]
    failpoint: str | None
    pid: int
    log: Path
    returncode: int | None = None
    stdout: str = ""

    @property
    def killed(self) -> bool:
        return self.returncode == -signal.SIGKILL


@dataclass
class Runner:
    """Starts `connector` commands with one environment and keeps every run's record."""

    env: dict[str, str]
    log_dir: Path
    runs: list[Run] = field(default_factory=list)

    def start(self, *args: str, failpoint: str | None = None) -> tuple[Run, subprocess.Popen]:
        log = self.log_dir / f"{len(self.runs):03d}-{args[0]}.log"
        env = {**self.env, FAILPOINTS: failpoint or ""}
        with log.open("w") as sink, log.with_suffix(".out").open("w") as out:
            process = subprocess.Popen(
                [CONNECTOR, "--env-file", os.devnull, *args], env=env, stdout=out, stderr=sink
            )
        run = Run(tuple(args), failpoint, process.pid, log)
        self.runs.append(run)
        return run, process

    def run(self, *args: str, failpoint: str | None = None) -> Run:
        """Run a command to its end (or its failpoint); a failure other than SIGKILL raises."""
        run, process = self.start(*args, failpoint=failpoint)
        self.ended(run, process, timeout=RUN_TIMEOUT_S)
        if run.returncode not in (0, -signal.SIGKILL):
            raise AssertionError(f"connector {' '.join(args)} failed:\n{run.log.read_text()}")
        return run

    @staticmethod
    def ended(run: Run, process: subprocess.Popen, timeout: float | None = None) -> None:
        """Wait for the process and record how it ended and what it printed."""
        run.returncode = process.wait(timeout=timeout)
        run.stdout = run.log.with_suffix(".out").read_text()

    @property
    def kills(self) -> list[Run]:
        return [run for run in self.runs if run.killed]

    def logs(self) -> str:
        """Everything every process printed, output and log."""
        return "".join(
            run.log.read_text() + run.log.with_suffix(".out").read_text() for run in self.runs
        )


class Server:
    """`connector serve` (by default `--no-jobs`) on a fixed port, restarted whenever it died.

    Each start takes the next failpoint from `arms` (none once they run out),
    so the server is killed at chosen commits while traffic flows."""

    def __init__(
        self,
        runner: Runner,
        port: int,
        arms: Iterable[str] = (),
        options: tuple[str, ...] = ("--no-jobs",),
    ) -> None:
        self.runner, self.port, self.options = runner, port, options
        self.url = f"http://127.0.0.1:{port}"
        self._arms: Iterator[str] = iter(arms)
        self._current: tuple[Run, subprocess.Popen] | None = None

    def ensure_up(self) -> None:
        """Start the server if it is not running (first start, or after its death)."""
        while not self._running():
            run, process = self.runner.start(
                "serve", *self.options, "--port", str(self.port), failpoint=next(self._arms, None)
            )
            self._current = run, process
            deadline = time.monotonic() + 30
            while process.poll() is None:
                try:
                    requests.get(f"{self.url}/healthz", timeout=1)
                    return
                except requests.RequestException:  # refused, or killed mid-answer by a failpoint
                    assert time.monotonic() < deadline, f"serve did not answer:\n{run.log}"
                    time.sleep(0.05)

    def _running(self) -> bool:
        if self._current is None:
            return False
        run, process = self._current
        if process.poll() is None:
            return True
        self.runner.ended(run, process)
        self._current = None
        if not run.killed:
            raise AssertionError(f"connector serve stopped by itself:\n{run.log.read_text()}")
        return False

    def stop(self) -> None:
        if self._current is not None:
            run, process = self._current
            process.terminate()
            self.runner.ended(run, process, timeout=20)


def deliver_webhooks(hub: RunningSandbox, server: Server, seconds: float = 60) -> None:
    """Wait until the sandbox delivered every webhook, restarting the server when it dies."""
    deadline = time.monotonic() + seconds
    while not hub.webhooks.drain(0.1):
        server.ensure_up()
        assert time.monotonic() < deadline, "the sandbox could not deliver its webhooks"
    server.ensure_up()


def expire_claims_of(database_url: str, pid: int) -> None:
    """The leases of the killed process `pid` run out (what minutes of waiting would do)."""
    engine = create_engine(database_url)
    past = datetime.now(UTC) - timedelta(seconds=1)
    try:
        with engine.begin() as connection:
            for table in (inbox_events, outbox_effects):
                connection.execute(
                    update(table)
                    .where(table.c.claimed_by.like(f"%:{pid}:%"))
                    .values(claimed_until=past)
                )
    finally:
        engine.dispose()
