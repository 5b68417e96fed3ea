"""`connector contact`: a lead's story after a replay, as a table and as JSON."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from connector.cli import cli
from tests.integration.nurture.replay import at, ny, replaying, shipped_config
from tests.integration.nurture.test_sales_handoff import ANN, ANN_ASKS_FOR_A_CALL
from tests.live import SHIPPED_CONFIG


@pytest.fixture
def story(store):
    """Ann downloads the ebook (welcome sent), asks for a call the next day (SQL, CALL
    task, the other emails cancelled); three days pass."""
    with replaying(store, ny("2026-11-23 10:00")) as replay:
        live = replay.live
        live.submit_form("ebook", ANN, page="/site/ebook")
        replay.until(ny("2026-11-24 10:00"))
        live.submit_form("contact", ANN_ASKS_FOR_A_CALL, page="/site/contact")
        replay.days(3)
        [send] = live.hubspot_sends()
        [task] = live.hubspot_tasks()
        yield store, send, task


def connector_contact(store, *args: str):
    return CliRunner().invoke(
        cli,
        ["--env-file", "", "contact", *args],
        env={
            "DATABASE_URL": store.engine.url.render_as_string(hide_password=False),
            "LEADFLOW_CONFIG_DIR": str(SHIPPED_CONFIG),
            "LEADFLOW_DEMO": "true",
            "COLUMNS": "200",
        },
    )


def test_it_tells_a_leads_story_as_json_with_hubspot_ids(story):
    store, send, task = story
    result = connector_contact(store, ANN["email"].upper(), "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    timeline = document["timeline"]
    of = {kind: [e for e in timeline if e["type"] == kind] for kind in ("activity", "stage")}
    emails = [e for e in timeline if e["type"] == "email"]
    [call] = [e for e in timeline if e["type"] == "task"]
    scores = [e for e in timeline if e["type"] == "score"]
    version = shipped_config().version
    assert document["contact"]["stage"] == "salesqualifiedlead"
    assert [e["summary"] for e in of["activity"]] == [
        "form_submission Ebook download",
        "form_submission Contact us",
    ]
    assert [(e["from"], e["to"], e["config_version"]) for e in of["stage"]] == [
        ("lead", "marketingqualifiedlead", version),
        ("marketingqualifiedlead", "salesqualifiedlead", version),
    ]
    assert [(e["step"], e["state"], e["hubspot_id"]) for e in emails] == [
        (1, "sent", send.status_id),
        (2, "cancelled", None),
        (3, "cancelled", None),
    ]
    assert emails[0]["at"] == at(send.requested_ms).isoformat()
    assert (call["task_type"], call["hubspot_id"]) == ("CALL", task["hs_object_id"])
    assert call["owner_id"] == task["hubspot_owner_id"]
    assert scores[0]["properties"]["leadflow_score"] == "15"
    assert float(scores[-1]["properties"]["leadflow_score"]) == document["contact"]["score"]
    assert [e["at"] for e in timeline] == sorted(e["at"] for e in timeline)


def test_it_prints_the_timeline_as_a_table(story):
    store, send, task = story
    result = connector_contact(store, ANN["email"])
    assert result.exit_code == 0, result.output
    assert "ann@smallco.test" in result.output
    assert "MQL → SQL" in result.output
    assert "email 1 (welcome), HubSpot email 5002" in result.output
    assert send.status_id in result.output
    assert f"CALL task for owner {task['hubspot_owner_id']}" in result.output


def test_it_says_when_no_such_contact_is_stored(store):
    result = connector_contact(store, "nobody@nowhere.test")
    assert result.exit_code == 1
    assert "no stored contact with id or e-mail 'nobody@nowhere.test'" in result.output
