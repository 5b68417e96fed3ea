"""Who enters the nurture sequence, what stops it, what each email carries."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from connector.domain import EffectKind
from connector.workflows.planner import FunnelState
from tests.unit.workflows.planner_world import (
    MONDAY,
    Person,
    Portal,
    edit,
    new_lead,
    new_york,
    person,
    with_config,
)


def nurture_keys(planned) -> list[str]:
    return [
        e.idempotency_key
        for e in planned.effects
        if e.idempotency_key.startswith(("nurture:", "personal-email:"))
    ]


ALL_THREE = ["nurture:c1:0:1", "nurture:c1:0:2", "nurture:c1:0:3"]


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        # downloaded the ebook just now: all three steps at once
        (new_lead(), ALL_THREE),
        # HubSpot made the contact a lead itself on the form: no transition, still new
        (new_lead(lifecyclestage="lead"), ALL_THREE),
        # the form came three days ago: an old lead, not enrolled (say, on leadflow's first run)
        (new_lead(at=MONDAY - timedelta(days=3), lifecyclestage="marketingqualifiedlead"), []),
        # no email address: nothing to send to
        (new_lead(email=""), []),
        # a subscriber who filled in nothing
        (person(), []),
        # unsubscribed a year ago
        (new_lead().does("unsubscribed", MONDAY - timedelta(days=365)), []),
        # opted out in HubSpot
        (new_lead(hs_email_optout="true"), []),
        # already talking to sales: booked a meeting
        (new_lead().does("meeting_booked", MONDAY - timedelta(days=1)), []),
        # already further along in HubSpot than nurture is for
        (new_lead(lifecyclestage="opportunity"), []),
    ],
)
def test_it_enrols_new_leads_only(who: Person, expected: list[str]) -> None:
    assert nurture_keys(Portal().refresh(who, MONDAY)) == expected


def test_it_never_plans_a_step_twice() -> None:
    portal = Portal()
    jane = portal.add(new_lead())
    assert nurture_keys(portal.refresh(jane, MONDAY)) == ALL_THREE
    assert nurture_keys(portal.refresh(jane, MONDAY)) == []
    assert nurture_keys(portal.refresh(jane, MONDAY + timedelta(hours=1))) == []
    assert len(portal.outbox.of("c1", "nurture:")) == 3


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        # replied to the first email
        (lambda who: who.does("email_reply", MONDAY + timedelta(hours=2)), "email_reply"),
        # booked a meeting
        (lambda who: who.does("meeting_booked", MONDAY + timedelta(hours=2)), "meeting_booked"),
        # the address bounced
        (lambda who: who.does("hard_bounce", MONDAY + timedelta(hours=2)), "hard_bounce"),
        # unsubscribed
        (lambda who: who.does("unsubscribed", MONDAY + timedelta(hours=2)), "unsubscribed"),
        # opted out in HubSpot (no activity leadflow saw)
        (lambda who: who.properties.update(hs_email_optout="true"), "opt-out"),
        # a rep moved the stage to opportunity in HubSpot
        (lambda who: who.properties.update(lifecyclestage="opportunity"), "stage"),
    ],
)
def test_it_cancels_the_remaining_steps_on_exit(change, reason: str) -> None:
    portal = Portal()
    jane = portal.add(new_lead())
    portal.run(MONDAY, days=0.5)
    change(jane)
    planned = portal.refresh(jane, MONDAY + timedelta(hours=13))
    assert "nurture:c1:0:" in planned.cancel_keys_with_prefix, reason
    states = {row.effect.payload["step"]: row.state for row in portal.outbox.of("c1", "nurture:")}
    assert states == {1: "sent", 2: "cancelled", 3: "cancelled"}
    # later evaluations neither cancel again nor plan the cancelled steps anew
    later = portal.refresh(jane, MONDAY + timedelta(days=3))
    assert nurture_keys(later) == []
    assert not any(p.startswith("nurture:") for p in later.cancel_keys_with_prefix)


@pytest.mark.parametrize(
    ("who", "content"),
    [
        # downloaded the ebook: the guide that matches it
        (new_lead(), "scoring_guide"),
        # a webinar form matches no download; a lead has no persona yet: the default
        (person().does("form_submission", MONDAY, form_name="Webinar signup"), "blog"),
        # an economic buyer (persona given at MQL) who downloaded nothing that matches
        (
            person(jobtitle="CEO", lifecyclestage="lead").does(
                "form_submission", MONDAY, form_name="White paper: ROI"
            ),
            "roi_calculator",
        ),
    ],
)
def test_it_links_to_content_matching_the_download_or_persona(who: Person, content: str) -> None:
    files = edit(
        "nurture.yaml", "  greeting_name:", '  content_id: "{{ content.id }}"\n  greeting_name:'
    )
    planned = with_config(Portal(), files).refresh(who, MONDAY)
    first = next(e for e in planned.effects if e.idempotency_key == "nurture:c1:0:1")
    assert first.payload["custom_properties"]["content_id"] == content


def test_it_fills_custom_and_contact_properties_for_the_email() -> None:
    files = edit(
        "nurture.yaml",
        "contact_properties: {}",
        'contact_properties:\n  nurture_content: "{{ content.id }}"',
    )
    planned = with_config(Portal(), files).refresh(new_lead(firstname=""), MONDAY)
    first = next(e for e in planned.effects if e.kind == EffectKind.SEND_EMAIL)
    assert first.payload == {
        "sequence": "nurture",
        "step": 1,
        "step_id": "welcome",
        "email_id": 5002,
        "to": "c1@acme.example",
        "contact_properties": {"nurture_content": "scoring_guide"},
        "custom_properties": {
            "content_title": "The lead scoring guide",
            "content_url": "https://www.example.com/resources/lead-scoring-guide",
            "greeting_name": "there",
        },
    }


@pytest.mark.parametrize(
    ("hs_timezone", "expected_zone"),
    [
        # HubSpot knows the contact's zone
        ("europe_slash_berlin", "Europe/Berlin"),
        # it does not: the portal's zone from send_window
        ("", "America/New_York"),
        # a value leadflow cannot read: the portal's zone too
        ("mars_slash_olympus", "America/New_York"),
    ],
)
def test_it_sends_in_the_contacts_zone_or_the_portals(hs_timezone: str, expected_zone: str) -> None:
    # a form on Saturday 07:00 UTC: the invite falls on Monday 07:00 UTC, before
    # anyone's office opens, so it waits for 09:00 on the contact's clock
    saturday = datetime.fromisoformat("2026-11-28 07:00+00:00")
    planned = Portal().refresh(new_lead(at=saturday, hs_timezone=hs_timezone), saturday)
    invite = next(e for e in planned.effects if e.idempotency_key == "nurture:c1:0:2")
    local = invite.due_at.astimezone(ZoneInfo(expected_zone))
    assert local.isoformat(" ", "minutes")[:16] == "2026-11-30 09:00"


def test_it_spaces_steps_to_respect_the_weekly_cap() -> None:
    files = edit("nurture.yaml", "max_emails_per_week: 3", "max_emails_per_week: 1")
    planned = with_config(Portal(), files).refresh(
        new_lead(at=new_york("2026-11-23 09:55")), MONDAY
    )
    dues = [e.due_at for e in planned.effects if e.kind == EffectKind.SEND_EMAIL]
    assert [b - a >= timedelta(days=7) for a, b in zip(dues, dues[1:], strict=False)] == [
        True,
        True,
    ]


def test_it_counts_emails_sent_this_week_against_the_cap() -> None:
    files = edit("nurture.yaml", "max_emails_per_week: 3", "max_emails_per_week: 2")
    portal = with_config(Portal(), files)
    jane = portal.add(new_lead(hubspot_owner_id="101"))
    portal.run(MONDAY, days=0)  # email 1 sent
    jane.properties["hs_lead_status"] = "BAD_TIMING"
    planned = portal.refresh(jane, MONDAY + timedelta(hours=1))
    # one sent this week: the restart step may go now, the next one not within 7 days of both
    dues = [e.due_at for e in planned.effects if e.kind == EffectKind.SEND_EMAIL]
    assert dues[0] == MONDAY + timedelta(hours=1)
    assert dues[1] >= MONDAY + timedelta(hours=1, days=7)


def test_it_asks_the_owner_to_send_a_step_without_email_id() -> None:
    files = edit("nurture.yaml", "    email_id: 5004\n", "")
    planned = with_config(Portal(), files).refresh(new_lead(hubspot_owner_id="104"), MONDAY)
    assert nurture_keys(planned) == ["nurture:c1:0:1", "nurture:c1:0:2", "personal-email:c1:0:3"]
    task = planned.effects[-1].payload
    assert (task["purpose"], task["owner_id"], task["step"]) == ("personal_email", "104", 3)
    assert task["subject"] == "Send Jane Doe a personal email (email 3 of 3)"


@pytest.mark.parametrize(
    ("owner", "fallback", "expected"),
    [
        # the contact's owner sends it
        ("103", None, "103"),
        # nobody owns the contact: the fallback owner, named by email
        (None, "{email: ria.rep@example.com}", "102"),
        # no owner and no fallback: an unassigned task
        (None, None, None),
    ],
)
def test_it_gives_personal_emails_to_the_owner_or_the_fallback(owner, fallback, expected) -> None:
    files = edit("nurture.yaml", "below_new_leads_per_day: 0", "below_new_leads_per_day: 5")
    if fallback:
        files = edit(
            "nurture.yaml",
            "# fallback_owner: {email: marketing@example.com}",
            f"fallback_owner: {fallback}",
            files,
        )
    who = new_lead(**({"hubspot_owner_id": owner} if owner else {}))
    planned = with_config(Portal(new_leads_today=1), files).refresh(who, MONDAY)
    personal = [e for e in planned.effects if e.idempotency_key.startswith("personal-email:")]
    assert [e.payload["owner_id"] for e in personal] == [expected] * 3


@pytest.mark.parametrize(
    ("today", "week", "rate"),
    [
        # only today's count is known
        (2, None, 2.0),
        # early morning: the week's mean (70 / 7) says it is a busy portal
        (2, 70, 10.0),
        # a busier day than usual
        (30, 70, 30.0),
    ],
)
def test_it_measures_new_leads_per_day(today: int, week: int | None, rate: float) -> None:
    assert FunnelState((), {}, today, week).new_leads_per_day == rate


def test_it_replaces_what_is_left_of_the_sequence_when_sales_sends_the_lead_back() -> None:
    portal = Portal()
    jane = portal.add(new_lead(hubspot_owner_id="101"))
    portal.run(MONDAY, days=0)  # email 1 sent; 2 and 3 pending
    jane.properties["hs_lead_status"] = "BAD_TIMING"
    planned = portal.refresh(jane, MONDAY + timedelta(hours=1))
    assert planned.cancel_keys_with_prefix[-2:] == ["nurture:c1:0:", "personal-email:c1:0:"]
    assert nurture_keys(planned) == ["nurture:c1:1:2", "nurture:c1:1:3"]
    states = [(row.effect.idempotency_key, row.state) for row in portal.outbox.of("c1", "nurture:")]
    assert states == [
        ("nurture:c1:0:1", "sent"),
        ("nurture:c1:0:2", "cancelled"),
        ("nurture:c1:0:3", "cancelled"),
        ("nurture:c1:1:2", "pending"),
        ("nurture:c1:1:3", "pending"),
    ]
