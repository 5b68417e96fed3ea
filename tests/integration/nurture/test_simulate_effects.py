"""`connector simulate` also counts the emails and tasks a config change would cause,
from what the store holds after a replay."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from connector.cli import cli
from tests.integration.nurture.replay import edited_config, ny, replaying
from tests.live import SHIPPED_CONFIG

ANN = {"email": "ann@smallco.test", "firstname": "Ann"}
# A VP with a challenge who asks for a call, but names no budget: 3 of the 5 SQL items.
BOB = {"email": "bob@midco.test", "firstname": "Bob", "jobtitle": "VP Sales", "challenge": "Slow"}


@pytest.fixture
def portal(store):
    """Ann and Bob are nurtured (welcome sent, two steps planned each); the simulation
    runs at the time they were judged, so no score has faded since it was written."""
    judged = ny("2026-11-23 10:00")
    with replaying(store, judged) as replay:
        replay.live.submit_form("ebook", ANN, page="/site/ebook")
        replay.live.submit_form("contact", BOB, page="/site/contact")
        replay.until(ny("2026-11-23 12:00"))
        yield store, judged


def simulate(store, now, candidate, *args: str):
    return CliRunner().invoke(
        cli,
        ["--env-file", "", "simulate", "--config", str(candidate), *args],
        env={
            "DATABASE_URL": store.engine.url.render_as_string(hide_password=False),
            "LEADFLOW_CONFIG_DIR": str(SHIPPED_CONFIG),
            "LEADFLOW_DEMO": "true",
            "LEADFLOW_NOW": now.isoformat(),
            "COLUMNS": "160",
        },
    )


@pytest.fixture
def easier_checklist(tmp_path):
    return edited_config(tmp_path / "cfg", "lifecycle.yaml", "at_least: 4", "at_least: 3")


def test_it_counts_the_call_tasks_and_stopped_emails_of_an_easier_sql_checklist(
    portal, easier_checklist
):
    store, now = portal
    result = simulate(store, now, easier_checklist, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    nothing = {
        "emails_by_step": {},
        "personal_email_tasks_by_step": {},
        "sql_call_tasks": 0,
        "mql_call_tasks": 0,
        "writebacks": 0,
        "nurture_steps_cancelled": 0,
    }
    assert report["changed"] == 1
    assert report["effects"] == {
        "contacts_planned": 1,  # Bob: Ann is judged alike by both configs
        "active": nothing,
        "candidate": {
            **nothing,
            "sql_call_tasks": 1,
            "writebacks": 1,
            "nurture_steps_cancelled": 2,
        },
    }


def test_it_shows_them_beside_the_stage_moves_as_a_table(portal, easier_checklist):
    store, now = portal
    result = simulate(store, now, easier_checklist)
    assert result.exit_code == 0, result.output
    rows = {
        cells[0]: cells[1:]
        for line in result.output.splitlines()
        if len(cells := [cell.strip() for cell in line.strip("│┃ ").split("│")]) == 4
    }
    assert rows["CALL task for a new SQL"] == ["0", "1", "+1"]
    assert rows["nurture step cancelled (planned, not sent)"] == ["0", "2", "+2"]
