"""The real `connector` process: help text, setup errors and the service's endpoints."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from connector.sandbox import DEMO_TOKEN
from tests.unit.lifecycle.world import SHIPPED_CONFIG

CONNECTOR = str(Path(sys.executable).parent / "connector")


def run(*args, env=None, cwd=None):
    return subprocess.run(
        [CONNECTOR, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
        cwd=cwd,
    )


def subcommands(group=()):
    listing = run(*group, "--help").stdout.split("Commands:")[-1]
    return [line.split()[0] for line in listing.splitlines() if line.strip()]


def test_it_explains_every_command_in_its_help(tmp_path):
    names = [(name,) for name in subcommands()]
    assert ("serve",) in names and ("db",) in names
    for command in names + [("db", name) for name in subcommands(("db",))]:
        result = run(*command, "--help", cwd=tmp_path)
        assert result.returncode == 0, command
        described = result.stdout.split("\n\n")[1].strip()
        assert len(described) > 15, f"{command} has no description"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        # no token and not in demo mode: nothing to talk to
        (
            {"HUBSPOT_ACCESS_TOKEN": "", "LEADFLOW_DEMO": "false"},
            "HUBSPOT_ACCESS_TOKEN is required",
        ),
        # a database URL of an unsupported kind
        ({"LEADFLOW_DEMO": "true", "DATABASE_URL": "mysql://x/y"}, "DATABASE_URL must be"),
        # a PostgreSQL server that is not there
        (
            {"LEADFLOW_DEMO": "true", "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/x"},
            "DATABASE_URL: cannot reach the database",
        ),
    ],
)
def test_it_stops_with_one_line_and_exit_code_2_on_setup_errors(tmp_path, env, message):
    result = run("serve", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {message}")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def wait_for_written_scores(sandbox_url: str, process: subprocess.Popen, seconds: float = 60):
    """The demo contacts as the sandbox holds them, once leadflow wrote a score to each."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read()
        answer = requests.get(
            f"{sandbox_url}/crm/v3/objects/contacts",
            params={"limit": 100, "properties": "leadflow_score,lifecyclestage"},
            headers={"Authorization": f"Bearer {DEMO_TOKEN}"},
            timeout=5,
        ).json()["results"]
        if answer and all(c["properties"].get("leadflow_score") for c in answer):
            return answer
        time.sleep(0.5)
    raise AssertionError("leadflow wrote no scores to the demo portal in time")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, seconds: float = 30) -> requests.Response:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read()
        try:
            return requests.get(url, timeout=1)
        except requests.ConnectionError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer in {seconds} s")


def test_make_run_serves_a_demo_funnel_on_a_fresh_machine(tmp_path):
    """`serve --demo` with no account: ready, and the sandbox's contacts judged and written."""
    port = free_port()
    database = f"sqlite:///{tmp_path}/var/leadflow.db"
    process = subprocess.Popen(
        [CONNECTOR, "serve", "--demo", "--demo-contacts", "200", "--port", str(port)],
        cwd=tmp_path,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={
            **os.environ,
            "DATABASE_URL": database,
            "LEADFLOW_CONFIG_DIR": str(SHIPPED_CONFIG),
            "PYTHONUNBUFFERED": "1",
        },
    )
    try:
        sandbox_url = re.search(r"sandbox on (\S+)", process.stdout.readline())[1]
        assert wait_for(f"http://127.0.0.1:{port}/healthz", process).status_code == 200
        ready = requests.get(f"http://127.0.0.1:{port}/readyz", timeout=5)
        assert ready.status_code == 200, ready.text
        written = wait_for_written_scores(sandbox_url, process)
        report = run(
            "report", "--since", "2000-01-01", "--format", "json", env={"DATABASE_URL": database}
        )
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
    funnel = json.loads(report.stdout)["overall"]["funnel"]
    assert len(written) == 100
    assert {c["properties"]["lifecyclestage"] for c in written} >= {"lead", "subscriber"}
    assert funnel["salesqualifiedlead"] > 0
    assert (tmp_path / "var" / "leadflow.db").exists()
