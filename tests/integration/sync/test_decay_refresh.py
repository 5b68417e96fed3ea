"""The nightly decay pass: scores fade and are written back; nothing is replayed."""

from __future__ import annotations

import pytest

from tests.integration.sync.test_pipeline import DECISION_MAKER
from tests.live import Clock, live_connector

# Without webhooks for the stage and the owner, leadflow's copy of the contact
# still holds what it read before its own write-back reached HubSpot.
QUIET_ON_OWN_WRITES = ("num_conversion_events", "recent_conversion_event_name")


@pytest.fixture
def live(store):
    with live_connector(store, Clock(), webhook_properties=QUIET_ON_OWN_WRITES) as live:
        yield live


def test_it_writes_faded_engagement_back_without_new_owner_or_task(live):
    live.submit_form("contact", DECISION_MAKER, page="/site/contact")
    live.settle()
    before = live.hubspot_contact("dm@bigco.test", "leadflow_engagement_score", "hubspot_owner_id")

    live.clock.advance(days=60)
    judged = live.connector.decay_refresh()
    live.settle()

    after = live.hubspot_contact("dm@bigco.test", "leadflow_engagement_score", "hubspot_owner_id")
    assert judged == 1
    assert after["lifecyclestage"] == "salesqualifiedlead"
    assert float(after["leadflow_engagement_score"]) < float(before["leadflow_engagement_score"])
    assert after["hubspot_owner_id"] == before["hubspot_owner_id"]
    assert len(live.hubspot_tasks()) == 1
