"""A webhook refresh reads the portal's recent activity in a few calls, not two calls per
contact, and still reads a contact's whole history when that window cannot vouch for it."""

from __future__ import annotations

import pytest
import requests

from connector.domain import ActivityKind
from tests.live import Clock, Live, live_connector

EVENTS = "/events/v3/events"
EMAIL_EVENTS = "/email/public/v1/events"
BURST = 20


@pytest.fixture
def live(store):
    """A portal leadflow has finished a pass over, a minute ago."""
    with live_connector(store, Clock()) as live:
        live.connector.puller.run()
        live.clock.advance(minutes=1)
        yield live


def activity_reads(live: Live) -> int:
    return live.hub.request_log.count("GET", EVENTS) + live.hub.request_log.count(
        "GET", EMAIL_EVENTS
    )


def submit_burst(live: Live) -> list[str]:
    emails = [f"reader{n}@acme.test" for n in range(BURST)]
    for email in emails:
        live.submit_form("ebook", {"email": email, "firstname": "Reader"}, page="/site/ebook")
    return emails


def test_a_burst_of_submissions_costs_a_few_activity_reads_not_two_per_contact(live):
    before = activity_reads(live)

    emails = submit_burst(live)
    live.settle()

    reads = activity_reads(live) - before
    stages = {live.hubspot_contact(email)["lifecyclestage"] for email in emails}
    forms = {
        email: [a.details.get("form_name") for a in live.store.contact_history(email)[1]]
        for email in emails
    }
    assert stages == {"marketingqualifiedlead"}
    assert forms == dict.fromkeys(emails, ["Ebook download"])
    # a window read is one events page and one email events page, per inbox batch
    assert reads <= 4, f"{reads} activity reads for {BURST} contacts"


def test_when_the_sync_has_not_run_for_hours_each_contact_is_read_whole(live):
    live.clock.advance(hours=3)
    before = activity_reads(live)

    emails = submit_burst(live)
    live.settle()

    stages = {live.hubspot_contact(email)["lifecyclestage"] for email in emails}
    assert stages == {"marketingqualifiedlead"}
    assert activity_reads(live) - before >= BURST


def test_a_visitors_page_views_from_before_the_window_come_with_their_new_contact(live):
    browser = requests.Session()
    assert browser.get(f"{live.hub.base_url}/site/pricing", timeout=5).status_code == 200
    live.clock.advance(minutes=10)
    live.connector.puller.run()
    live.clock.advance(minutes=1)

    live.submit_form(
        "newsletter",
        {"email": "visitor@acme.test"},
        page="/site/blog",
        hutk=browser.cookies["hubspotutk"],
    )
    live.settle()

    _, activity, _ = live.store.contact_history("visitor@acme.test")
    views = [a.details.get("url") for a in activity if a.kind is ActivityKind.PAGE_VIEW]
    assert views == [f"{live.hub.base_url}/site/pricing"]


def test_windows_that_overlap_judge_a_returning_contact_on_both_of_its_forms(live):
    live.submit_form("newsletter", {"email": "back@acme.test"}, page="/site/blog")
    live.settle()
    live.clock.advance(seconds=2)  # inside the next window's overlap with this one

    live.submit_form("ebook", {"email": "back@acme.test"}, page="/site/ebook")
    live.settle()

    _, activity, _ = live.store.contact_history("back@acme.test")
    forms = sorted(a.details.get("form_name") for a in activity)
    assert live.hubspot_contact("back@acme.test")["lifecyclestage"] == "marketingqualifiedlead"
    assert forms == ["Blog subscription", "Ebook download"]
