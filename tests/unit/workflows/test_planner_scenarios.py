"""Issue 8's promises, replayed: two weeks of hourly evaluations through `plan()`,
with an in-memory outbox that sends whatever falls due."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from connector.domain import EffectKind
from tests.unit.workflows.planner_world import (
    MONDAY,
    OWNERS,
    Portal,
    edit,
    new_lead,
    new_york,
    sends,
    sql_lead,
    tasks,
    with_config,
)

NEW_YORK = ZoneInfo("America/New_York")


def local(moment: datetime, zone: ZoneInfo = NEW_YORK) -> datetime:
    return moment.astimezone(zone).replace(tzinfo=None)


@pytest.mark.parametrize(
    ("form_at", "expected"),
    [
        # Monday 09:55: the thank-you at once, the invite on Wednesday, the news next Monday
        (
            new_york("2026-11-23 09:55"),
            ["2026-11-23 10:00", "2026-11-25 09:55", "2026-11-30 09:55"],
        ),
        # Friday 22:00: quiet until Saturday 08:00; the invite waits for Monday's window;
        # the news (next Friday 22:00) for the Monday after
        (
            new_york("2026-11-27 22:00"),
            ["2026-11-28 08:00", "2026-11-30 09:00", "2026-12-07 09:00"],
        ),
        # Wednesday 16:30: the invite would land on Friday 16:30, still inside the window
        (
            new_york("2026-11-25 16:30"),
            ["2026-11-25 17:00", "2026-11-27 16:30", "2026-12-02 16:30"],
        ),
    ],
)
def test_it_sends_a_new_lead_emails_1_2_3_inside_send_windows(
    form_at: datetime, expected: list[str]
) -> None:
    portal = Portal()
    portal.add(new_lead("c1", form_at))
    start = form_at.replace(minute=0) + timedelta(hours=1)
    emails = sends(portal.run(start, days=14))
    assert [e.payload["step"] for e in emails] == [1, 2, 3]
    assert [e.idempotency_key for e in emails] == [
        "nurture:c1:0:1",
        "nurture:c1:0:2",
        "nurture:c1:0:3",
    ]
    assert [e.payload["email_id"] for e in emails] == [5002, 5003, 5004]
    assert [local(e.due_at).isoformat(" ", "minutes") for e in emails] == expected


def test_it_reads_send_windows_on_the_contacts_clock() -> None:
    # a Parisian filling in the form at 16:00 New York time (22:00 in Paris)
    portal = Portal()
    portal.add(new_lead("c1", new_york("2026-11-23 16:00"), hs_timezone="europe_slash_paris"))
    emails = sends(portal.run(new_york("2026-11-23 16:00"), days=14))
    paris = ZoneInfo("Europe/Paris")
    assert [local(e.due_at, paris).isoformat(" ", "minutes") for e in emails] == [
        "2026-11-24 08:00",  # quiet hours end, Paris time
        "2026-11-26 09:00",  # Wednesday 22:00 is after hours: Thursday morning
        "2026-12-01 09:00",  # Monday 22:00 → Tuesday
    ]


def test_it_stops_emails_and_tasks_sales_once_when_a_lead_becomes_an_sql() -> None:
    portal = Portal()
    jane = portal.add(new_lead("c1", new_york("2026-11-23 09:30")))
    sent = portal.run(new_york("2026-11-23 10:00"), days=1)
    # Tuesday: she asks for a demo, with what the sales checklist wants to know
    jane.properties.update(
        jobtitle="Director of Marketing", budget="yes", challenge="Leads wait days for a call"
    )
    jane.does("form_submission", new_york("2026-11-24 11:10"), form_name="Request a demo")
    jane.does("page_view", new_york("2026-11-24 11:05"), url="https://acme.example/pricing")
    sent += portal.run(new_york("2026-11-24 11:00") + timedelta(hours=1), days=13)

    assert [e.payload["step"] for e in sends(sent)] == [1]
    calls = tasks(sent, "sql_call")
    assert [c.idempotency_key for c in calls] == ["task:t:c1:salesqualifiedlead:0"]
    payload = calls[0].payload
    assert payload["task_type"] == "CALL" and payload["priority"] == "HIGH"
    body = payload["body"]
    assert "[x] Asked to be contacted" in body
    assert "2026-11-24  Submitted form: Request a demo" in body
    assert "2026-11-23  Downloaded: Ebook download" in body
    assert "2026-11-24  Viewed /pricing" in body
    # she had no owner: routing gave her one, written back with her stage
    owner = payload["owner_id"]
    assert owner in {o.id for o in OWNERS}
    assert jane.properties["hubspot_owner_id"] == owner
    assert jane.properties["lifecyclestage"] == "salesqualifiedlead"
    cancelled = portal.outbox.of("c1", "nurture:", state="cancelled")
    assert sorted(row.effect.payload["step"] for row in cancelled) == [2, 3]


def test_it_sends_nothing_more_to_an_unsubscriber() -> None:
    portal = Portal()
    jane = portal.add(new_lead("c1", new_york("2026-11-23 09:30")))
    sent = portal.run(new_york("2026-11-23 10:00"), days=1)
    jane.does("unsubscribed", new_york("2026-11-24 12:00"))
    sent += portal.run(new_york("2026-11-24 13:00"), days=13)
    assert [e.payload["step"] for e in sends(sent)] == [1]
    assert tasks(sent, "personal_email") == []
    assert len(portal.outbox.of("c1", "nurture:", state="cancelled")) == 2


def test_it_spreads_100_ownerless_sqls_across_4_reps_evenly() -> None:
    portal = Portal()
    for number in range(100):
        portal.add(sql_lead(f"c{number}", MONDAY))
    sent = portal.run(MONDAY, days=0)
    owners = Counter(
        e.payload["owner_id"]
        for e in sent
        if e.kind == EffectKind.CREATE_TASK and e.payload["purpose"] == "sql_call"
    )
    assert sum(owners.values()) == 100
    assert sorted(owners) == sorted(o.id for o in OWNERS)
    assert max(owners.values()) - min(owners.values()) <= 1


def test_it_asks_owners_for_personal_emails_in_low_volume_mode() -> None:
    files = edit("nurture.yaml", "below_new_leads_per_day: 0", "below_new_leads_per_day: 5")
    portal = with_config(Portal(new_leads_today=2), files)
    portal.add(new_lead("c1", new_york("2026-11-23 09:30"), hubspot_owner_id="102"))
    sent = portal.run(new_york("2026-11-23 10:00"), days=14)
    assert sends(sent) == []
    personal = tasks(sent, "personal_email")
    assert [t.idempotency_key for t in personal] == [
        "personal-email:c1:0:1",
        "personal-email:c1:0:2",
        "personal-email:c1:0:3",
    ]
    first = personal[0].payload
    assert first["task_type"] == "EMAIL" and first["owner_id"] == "102"
    assert first["subject"] == "Send Jane Doe a personal email (email 1 of 3)"
    assert "Subject: Thanks, Jane: The lead scoring guide" in first["body"]
    assert "https://www.example.com/resources/lead-scoring-guide" in first["body"]
    assert "Ria" in first["body"]  # signed by the owner


def test_it_re_enrols_a_recycled_lead_from_the_configured_step() -> None:
    portal = Portal()
    jane = portal.add(sql_lead("c1", new_york("2026-11-23 09:30"), hubspot_owner_id="101"))
    sent = portal.run(new_york("2026-11-23 10:00"), days=2)
    assert len(tasks(sent, "sql_call")) == 1
    # Wednesday: sales says "not now"
    jane.properties["hs_lead_status"] = "BAD_TIMING"
    sent = portal.run(new_york("2026-11-25 10:00"), days=14)
    emails = sends(sent)
    assert [e.idempotency_key for e in emails] == ["nurture:c1:1:2", "nurture:c1:1:3"]
    assert local(emails[0].due_at).isoformat(" ", "minutes") == "2026-11-25 10:00"
    assert local(emails[1].due_at).isoformat(" ", "minutes") == "2026-11-30 10:00"
    assert tasks(sent, "sql_call") == [] and tasks(sent, "mql_call") == []


def test_it_cancels_a_call_task_not_yet_created_when_sales_recycles_the_lead() -> None:
    portal = Portal()
    jane = portal.add(sql_lead("c1", MONDAY, hubspot_owner_id="101"))
    portal.refresh(jane, MONDAY)
    jane.properties["hs_lead_status"] = "UNQUALIFIED"
    portal.refresh(jane, MONDAY + timedelta(minutes=5))
    (task,) = portal.outbox.of("c1", "task:")
    assert task.state == "cancelled"
