"""The admins' commands (`connector/cli/config_commands.py`) over an in-memory store."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from connector.cli.config_commands import make_config_commands
from connector.cli.simulation_workers import ContactRuns
from connector.lifecycle import ContactFacts
from tests.unit.lifecycle.world import NOW, SHIPPED_CONFIG, activity, contact

WEBINAR_FAN = ContactFacts(
    contact("c1", email="kim@globex.test", jobtitle="Engineer", lifecyclestage="lead"),
    [activity("webinar_attended", 2, event_name="Launch"), activity("email_open", 1)],
)
NEWSLETTER_ONLY = ContactFacts(
    contact("c2", email="lee@initech.test", lifecyclestage="lead"),
    [activity("form_submission", 3, form_name="Blog subscription")],
)
STORE = {"c1": WEBINAR_FAN, "kim@globex.test": WEBINAR_FAN, "c2": NEWSLETTER_ONLY}
# The store cut in two runs of one contact, whatever the run size: worth two workers.
TWO_RUNS = ContactRuns(lambda size: [lambda: [WEBINAR_FAN], lambda: [NEWSLETTER_ONLY]])


@pytest.fixture
def candidate(tmp_path: Path) -> Path:
    """The shipped config with MQLs needing a webinar no more: the signal is gone."""
    directory = Path(shutil.copytree(SHIPPED_CONFIG, tmp_path / "candidate"))
    lifecycle = directory / "lifecycle.yaml"
    text = lifecycle.read_text()
    start = text.index("      - id: attended_webinar")
    end = text.index("      - id: many_visits")
    lifecycle.write_text(text[:start] + text[end:])
    return directory


@pytest.fixture
def connector() -> click.Group:
    """A `connector` group holding only these commands, wired to the in-memory store."""
    group = click.Group("connector")
    for command in make_config_commands(
        load_contacts=lambda: list(STORE[key] for key in ("c1", "c2")),
        find_contact=STORE.get,
        active_config_dir=lambda: SHIPPED_CONFIG,
        clock=lambda: NOW,
        contact_runs=lambda: TWO_RUNS,
    ):
        group.add_command(command)
    return group


def run(connector: click.Group, *arguments: str):
    """Invoke on a terminal wide enough that rich wraps no table cell."""
    runner = CliRunner(env={"COLUMNS": "160"})
    return runner.invoke(connector, list(arguments), catch_exceptions=False)


def test_it_validates_the_active_config_in_one_line(connector: click.Group) -> None:
    result = run(connector, "config", "validate")
    assert result.exit_code == 0
    assert result.output.count("\n") == 1
    assert " is valid: 2 scoring models" in result.output


def test_it_lists_every_problem_and_exits_1(connector: click.Group, candidate: Path) -> None:
    (candidate / "scoring.yaml").write_text("models:\n  - id: only\n    fitt: []\n")
    result = run(connector, "config", "validate", str(candidate))
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"{candidate.as_posix()}/scoring.yaml:3: models[0].fitt: unknown key 'fitt'"
        " (did you mean 'fit'?)",
        "1 problem found; the config was not loaded",
    ]


def test_it_explains_a_stored_contact_found_by_email(connector: click.Group) -> None:
    result = run(connector, "explain", "kim@globex.test")
    assert result.exit_code == 0
    for text in (
        "Lead → MQL",
        "Attended a webinar",
        "webinar_attended Launch on 2026-11-21",
        "SQL checklist",
        "Asked to be contacted",
    ):
        assert text in result.output


def test_it_explains_as_json(connector: click.Group) -> None:
    explained = json.loads(run(connector, "explain", "c1", "--json").output)
    assert (explained["stage"], explained["transition"]) == (
        "marketingqualifiedlead",
        {"from": "lead", "to": "marketingqualifiedlead"},
    )
    assert explained["persona"] == "technical_evaluator"


def test_it_says_when_no_contact_is_stored_under_that_name(connector: click.Group) -> None:
    result = CliRunner().invoke(connector, ["explain", "nobody@x.io"])
    assert result.exit_code == 1
    assert "no stored contact with id or e-mail 'nobody@x.io'" in result.output


def test_it_simulates_a_candidate_config_as_json(connector: click.Group, candidate: Path) -> None:
    report = json.loads(run(connector, "simulate", "--config", str(candidate), "--json").output)
    assert (report["contacts"], report["changed"]) == (2, 1)
    assert [sample["contact_id"] for sample in report["samples"]] == ["c1"]
    assert {"from": "marketingqualifiedlead", "to": "lead", "contacts": 1} in report["matrix"]


def test_it_simulates_as_tables(connector: click.Group, candidate: Path) -> None:
    result = run(connector, "simulate", "--config", str(candidate))
    assert result.exit_code == 0
    assert "1 of 2 contacts would change stage" in result.output
    assert "Score distribution" in result.output
    assert "kim@globex.test" in result.output


def test_it_refuses_to_simulate_an_invalid_candidate(
    connector: click.Group, candidate: Path
) -> None:
    (candidate / "lifecycle.yaml").write_text("stages: {customer: {}}\n")
    result = CliRunner().invoke(connector, ["simulate", "--config", str(candidate)])
    assert result.exit_code == 1
    assert "lifecycle.yaml:1: stages.customer: unknown stage 'customer'" in result.output


@pytest.mark.parametrize("output", [["--json"], []])
def test_it_simulates_alike_in_worker_processes(
    connector: click.Group, candidate: Path, output: list[str]
) -> None:
    simulate = ["simulate", "--config", str(candidate), *output]
    alone = run(connector, *simulate, "--workers", "1")
    shared = run(connector, *simulate, "--workers", "2")
    assert (alone.exit_code, shared.exit_code) == (0, 0)
    assert shared.output == alone.output
