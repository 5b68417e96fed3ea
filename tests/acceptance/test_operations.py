"""Operators' commands on a live portal: the queues, retries, one pass of each job."""

from __future__ import annotations

import subprocess
import sys

import pytest
import requests

from tests.integration.sync.test_pipeline import DECISION_MAKER
from tests.live import Clock, live_connector


def connector(live, *args: str) -> subprocess.CompletedProcess:
    """The real `connector` command against the live portal and store."""
    return subprocess.run(
        [sys.executable, "-m", "connector.cli", "--env-file", "/dev/null", *args],
        env=live.connector_environment(COLUMNS="200"),
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def live(store):
    with live_connector(store, Clock(), webhook_url=None) as live:
        yield live


def test_setup_creates_the_properties_once(live):
    first, again = connector(live, "hubspot", "setup"), connector(live, "hubspot", "setup")

    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("created leadflow_score, ")
    assert again.stdout == "all properties already exist\n"


def test_effects_hubspot_refuses_are_parked_listed_and_retried(live):
    live.submit_form("contact", DECISION_MAKER, page="/site/contact")
    synced = connector(live, "sync", "--no-dispatch")
    assert synced.stdout.startswith("synced 1 contacts: 1 stage changes")
    contact_id = live.hubspot_contact("dm@bigco.test")["hs_object_id"]
    deleted = requests.delete(
        f"{live.hub.base_url}/crm/v3/objects/contacts/{contact_id}",
        headers={"Authorization": f"Bearer {live.hub.token}"},
        timeout=5,
    )
    assert deleted.status_code == 204

    dispatched = connector(live, "dispatch")
    listed = connector(live, "outbox")
    retried = connector(live, "outbox", "retry")

    assert dispatched.stdout == "sent 0 effects; outbox: 2 parked\n"
    assert "outbox: 2 parked" in listed.stdout
    assert "The association target contacts" in listed.stdout
    assert "update_contact" in listed.stdout and "create_task" in listed.stdout
    assert retried.stdout == "requeued 2 effects\n"
    assert live.store.outbox_depth() == {"pending": 2}
    assert connector(live, "inbox").stdout == "inbox: empty; nothing in the listed states\n"


def test_sync_sends_what_it_planned_and_says_so(live):
    live.submit_form("contact", DECISION_MAKER, page="/site/contact")

    synced = connector(live, "sync")

    contact = live.hubspot_contact("dm@bigco.test", "leadflow_score")
    assert synced.returncode == 0, synced.stderr
    assert synced.stdout.startswith("synced 1 contacts: 1 stage changes")
    assert synced.stdout.rstrip().endswith("sent 2 effects")  # the write-back and the task
    assert contact["leadflow_score"]
    assert len(live.hubspot_tasks()) == 1
