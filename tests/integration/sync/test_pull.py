"""The hourly pull: finds what no webhook announced, resumes a killed backfill,
and never writes to HubSpot what HubSpot already holds."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import pytest

from tests.integration.sync.test_pipeline import DECISION_MAKER
from tests.live import Clock, live_connector

SEARCHES = "/crm/v3/objects/contacts/search"
UPDATES = "/crm/v3/objects/contacts/batch/update"


class Killed(Exception):
    """Stands for the process dying right after a committed page."""


def test_the_next_sync_finds_a_change_no_webhook_announced(store):
    with live_connector(store, Clock(), webhook_url=None) as live:
        live.connector.puller.run()
        live.clock.advance(minutes=10)
        live.submit_form("contact", DECISION_MAKER, page="/site/contact")
        live.clock.advance(hours=1)

        outcome = live.connector.puller.run()
        live.settle()

        contact = live.hubspot_contact("dm@bigco.test", "leadflow_score")
    assert (outcome.resumed, outcome.contacts) == (False, 1)
    assert contact["lifecyclestage"] == "salesqualifiedlead"
    assert contact["leadflow_score"]


def test_a_backfill_dates_each_stage_by_the_activity_that_earned_it(store):
    with live_connector(store, Clock(), webhook_url=None) as live:
        submitted = live.clock.advance(minutes=10)
        live.submit_form("contact", DECISION_MAKER, page="/site/contact")
        live.clock.advance(days=3)

        live.connector.puller.run()

        contact_id = live.hubspot_contact("dm@bigco.test")["hs_object_id"]
        (transition,) = live.store.transitions_of(contact_id)
    assert (transition.to_stage, transition.at) == ("salesqualifiedlead", submitted)


def test_a_backfill_killed_half_way_resumes_without_reading_again(store):
    with live_connector(store, Clock(), contacts=450, webhook_url=None) as live:
        read: list[int] = []

        def die_after_two_pages(phase: str, count: int) -> None:
            if phase == "contacts":
                read.append(count)
                if len(read) == 2:
                    raise Killed

        live.connector.puller.progress = die_after_two_pages
        with pytest.raises(Killed):
            live.connector.puller.run()
        committed = live.store.contact_count()
        live.connector.puller.progress = lambda phase, count: None

        outcome = live.connector.puller.run()

    assert committed == sum(read) >= 300
    assert outcome.resumed
    # only the contacts at the checkpoint's own timestamp are read again (ties are possible)
    assert 450 - committed <= outcome.contacts <= 450 - committed + 1
    assert live.store.contact_count() == 450


def test_properties_hubspot_already_holds_are_not_written_again(store):
    with live_connector(store, Clock(), contacts=60, webhook_url=None) as live:
        live.connector.puller.run()
        first = live.settle()
        writes = live.hub.request_log.count("POST", UPDATES)
        live.clock.advance(minutes=1)

        outcome = live.connector.puller.run(full=True)
        second = live.settle()

        assert first >= 60
        assert outcome.contacts == 60
        assert second == 0
        assert live.hub.request_log.count("POST", UPDATES) == writes


def test_a_first_pass_looks_up_no_recipient_and_keeps_every_email_event(store):
    with live_connector(store, Clock(), contacts=300, webhook_url=None) as live:
        outcome = live.connector.puller.run()

        look_ups = live.hub.request_log.count("POST", "/crm/v3/objects/contacts/batch/read")
        with live.hub.state.lock:
            sent_to = Counter(e.recipient for e in live.hub.state.email_events.scan())
        held = Counter(
            address
            for address in sent_to
            for activity in live.store.contact_history(address)[1]
            if activity.source_id.startswith("email:")
        )
    assert outcome.contacts == 300
    assert look_ups == 0
    assert held == sent_to  # every demo email event is one leadflow scores


def test_an_email_event_of_a_contact_changed_after_the_window_is_looked_up_and_judged(store):
    """The contact changes once the pass has fixed its window, so the walk never meets it:
    its email events wait in vain and are read again, with a look-up, at the walk's end."""
    with live_connector(store, Clock(), contacts=40, webhook_url=None) as live:
        with live.hub.state.lock:
            address = next(e.recipient for e in live.hub.state.email_events.scan())
        contact_id = live.hubspot_contact(address)["hs_object_id"]
        changed: list[str] = []

        def change_it_once_the_window_is_fixed() -> datetime:
            now = live.clock()
            if not changed:
                live.clock.advance(minutes=1)
                live.hubspot_update(contact_id, jobtitle="CMO")
                changed.append(contact_id)
            return now

        live.connector.puller.clock = change_it_once_the_window_is_fixed
        outcome = live.connector.puller.run()

        look_ups = live.hub.request_log.count("POST", "/crm/v3/objects/contacts/batch/read")
        _, history, _ = live.store.contact_history(contact_id)
    assert outcome.contacts == 40
    assert look_ups >= 1
    assert any(a.source_id.startswith("email:") for a in history)
