"""Two contacts leadflow knows are merged in HubSpot: leadflow forgets the merged-away
ones, judges the merged contact on the activity of both, and sends nothing to the old ids.

Every road a merge reaches leadflow by is tried (the contact.merge webhook; a full or an
hourly sync without webhooks, which meets the merged contact among the changed ones or
the old ids among those the gateway reports merged), with both ways HubSpot merges (a
new contact, as HubSpot does now, or the primary keeping its id).
"""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.live import Clock, Live, live_connector

EBOOK_READER = {  # alone: an MQL (gated content), not an SQL (never asked to be contacted)
    "email": "ann@acme.test",
    "firstname": "Ann",
    "jobtitle": "VP Marketing",
    "company": "Acme",
}
CONTACT_REQUEST = {  # alone: a lead (asked, a challenge, a budget: 3 of the 4 items an SQL needs)
    "email": "ann.smith@home.test",
    "firstname": "Ann",
    "challenge": "We cannot see which campaigns produce pipeline.",
    "budget": "50k_250k",
}
ROADS = {"webhook": None, "full sync": True, "hourly sync": False}


def catch_up(live: Live, road: str) -> None:
    """leadflow hears of what happened in HubSpot by `road`, and sends what it decided.
    Webhooks are signed on the shared clock, so the clock stands still until they are in."""
    if ROADS[road] is not None:
        live.connector.puller.run(full=ROADS[road])
    live.settle()


def known_pair(live: Live, road: str) -> list[str]:
    """Ann, twice: each address fills in a form and leadflow judges both; their ids."""
    live.submit_form("ebook", EBOOK_READER, page="/site/ebook")
    live.submit_form("contact", CONTACT_REQUEST, page="/site/contact")
    catch_up(live, road)
    primary = live.hubspot_contact(EBOOK_READER["email"])
    other = live.hubspot_contact(CONTACT_REQUEST["email"])
    assert (primary["lifecyclestage"], other["lifecyclestage"]) == (
        "marketingqualifiedlead",
        "lead",
    )
    live.clock.advance(hours=1)
    return [primary["hs_object_id"], other["hs_object_id"]]


def sent_effects(live: Live, contact_id: str) -> list[str]:
    return [e["idempotency_key"] for e in live.store.effects_of(contact_id) if e["state"] == "sent"]


def assert_judged_once_on_both(live: Live, old_ids: list[str], merged_id: str, sent: dict) -> None:
    merged = live.hubspot_contact(CONTACT_REQUEST["email"], "hubspot_owner_id")
    _, activity, _ = live.store.contact_history(merged_id)
    tasks = live.hubspot_tasks()
    gone = [i for i in old_ids if i != merged_id]
    assert merged["hs_object_id"] == merged_id
    assert merged["lifecyclestage"] == "salesqualifiedlead"
    assert sorted(a.details.get("form_name") for a in activity) == ["Contact us", "Ebook download"]
    assert len(tasks) == 1
    assert tasks[0]["hubspot_owner_id"] == merged["hubspot_owner_id"]
    assert gone == (old_ids if merged_id not in old_ids else old_ids[1:])
    assert {i: live.store.contact_history(i) for i in gone} == dict.fromkeys(gone)
    assert {i: live.store.list_outbox(["pending", "sending"], contact_id=i) for i in gone} == {
        i: [] for i in gone
    }
    assert {i: sent_effects(live, i) for i in gone} == {i: sent[i] for i in gone}


@pytest.mark.parametrize("new_id", [True, False], ids=["new-id", "primary-kept"])
@pytest.mark.parametrize("road", list(ROADS))
def test_a_merge_is_judged_on_the_activity_of_both_and_the_old_ids_are_forgotten(
    store, road, new_id
):
    hooks = {"webhook_url": None} if ROADS[road] is not None else {}
    with live_connector(store, Clock(), merge_new_id=new_id, **hooks) as live:
        old_ids = known_pair(live, road)
        sent = {i: sent_effects(live, i) for i in old_ids}

        merged_id = live.hubspot_merge(*old_ids)
        catch_up(live, road)

        assert_judged_once_on_both(live, old_ids, merged_id, sent)


@pytest.mark.parametrize("new_id", [True, False], ids=["new-id", "primary-kept"])
def test_a_merge_webhook_after_a_sync_still_reads_the_merged_contacts_whole_history(store, new_id):
    """After a pass, webhooks read the portal's recent activity, which holds none of the
    merged-away contact's older activity that HubSpot now files under the merged one."""
    with live_connector(store, Clock(), merge_new_id=new_id) as live:
        old_ids = known_pair(live, "webhook")
        live.connector.puller.run()
        sent = {i: sent_effects(live, i) for i in old_ids}

        merged_id = live.hubspot_merge(*old_ids)
        live.settle()

        assert_judged_once_on_both(live, old_ids, merged_id, sent)


def test_a_merge_made_while_a_full_sync_runs_is_judged_by_that_sync(store):
    """The merge lands after the pass fixed its window (the pass reads its clock) and
    before it reads anything: the merged contact is not among the changed ones, the old
    ids are among those the gateway reports merged."""
    with live_connector(store, Clock(), webhook_url=None) as live:
        old_ids = known_pair(live, "full sync")
        sent = {i: sent_effects(live, i) for i in old_ids}
        merged: list[str] = []

        def merge_once_the_window_is_fixed() -> datetime:
            now = live.clock()
            if not merged:
                live.clock.advance(minutes=1)
                merged.append(live.hubspot_merge(*old_ids))
            return now

        live.connector.puller.clock = merge_once_the_window_is_fixed
        live.connector.puller.run(full=True)
        live.settle()

        assert_judged_once_on_both(live, old_ids, merged[0], sent)
