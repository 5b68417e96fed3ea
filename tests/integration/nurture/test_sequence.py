"""A new lead's three emails, over the sandbox, replayed for two weeks on one clock."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.integration.nurture.replay import (
    NEW_YORK,
    at,
    edited_config,
    ny,
    replaying,
    sends_to,
    shipped_config,
    unsubscribe,
)

ANN = {"email": "ann@smallco.test", "firstname": "Ann", "company": "SmallCo"}


def local(moment: datetime) -> datetime:
    return moment.astimezone(NEW_YORK).replace(tzinfo=None)


def minutes(clock: str) -> int:
    hours, mins = clock.split(":")
    return int(hours) * 60 + int(mins)


def assert_allowed_by_config(form_at: datetime, sent: list[datetime]) -> None:
    """Each send is at or after its step's delay, outside quiet hours, and (for steps
    in the send window) on a window day between its start and end, New York time."""
    nurture = shipped_config().nurture
    window, quiet = nurture.send_window, nurture.quiet_hours
    for step, moment in zip(nurture.steps, sent, strict=True):
        wall = local(moment)
        of_day = wall.hour * 60 + wall.minute
        assert moment >= form_at + timedelta(days=step.delay_days), step.id
        assert minutes(quiet.end) <= of_day < minutes(quiet.start), step.id
        if step.in_send_window:
            assert wall.strftime("%a").lower() in window.days, step.id
            assert minutes(window.start) <= of_day < minutes(window.end), step.id


@pytest.mark.parametrize(
    ("form_at", "expected"),
    [
        # Monday 03:00: the thank-you when the quiet hours end, the invite on
        # Wednesday when the window opens, the news the next Monday at 09:00
        (ny("2026-11-23 03:00"), ["2026-11-23 08:00", "2026-11-25 09:00", "2026-11-30 09:00"]),
        # Friday 16:30: the thank-you at once, the invite (Sunday) waits for
        # Monday's window, the news next Friday 16:30 is inside the window
        (ny("2026-11-27 16:30"), ["2026-11-27 16:30", "2026-11-30 09:00", "2026-12-04 16:30"]),
    ],
)
def test_it_sends_a_new_lead_emails_1_2_3_at_their_times_inside_send_windows(
    store, form_at: datetime, expected: list[str]
) -> None:
    with replaying(store, form_at) as replay:
        live = replay.live
        live.submit_form("ebook", ANN, page="/site/ebook")
        replay.days(14)

        emails = sends_to(live, ANN["email"])
        contact_id = live.hubspot_contact(ANN["email"])["hs_object_id"]
        sent_at = [at(send.requested_ms) for send in emails]
        assert [send.email_id for send in emails] == [5002, 5003, 5004]
        assert [send.send_id for send in emails] == [
            f"nurture:{contact_id}:0:{step}" for step in (1, 2, 3)
        ]
        assert [local(moment).isoformat(" ", "minutes") for moment in sent_at] == expected
        assert_allowed_by_config(form_at, sent_at)
        assert emails[0].custom_properties["content_title"] == "The lead scoring guide"
        assert len(live.hubspot_sends()) == 3
        assert replay.syncs >= 14 * 24 - 1 and replay.decays == 14


def test_it_sends_an_unsubscriber_nothing_more(store) -> None:
    with replaying(store, ny("2026-11-23 10:00")) as replay:
        live = replay.live
        live.submit_form("ebook", ANN, page="/site/ebook")
        replay.until(ny("2026-11-23 12:00"))
        unsubscribe(live, ANN["email"])
        replay.days(14)

        contact_id = live.hubspot_contact(ANN["email"])["hs_object_id"]
        states = {e["idempotency_key"]: e["state"] for e in store.effects_of(contact_id)}
        assert [send.email_id for send in live.hubspot_sends()] == [5002]
        assert states[f"nurture:{contact_id}:0:2"] == "cancelled"
        assert states[f"nurture:{contact_id}:0:3"] == "cancelled"


def test_it_asks_the_owner_for_personal_emails_in_low_volume_mode(store, tmp_path) -> None:
    config = edited_config(
        tmp_path / "config",
        "nurture.yaml",
        "  below_new_leads_per_day: 0\n",
        "  below_new_leads_per_day: 5\n  fallback_owner: {email: rep1@demo.test}\n",
    )
    with replaying(store, ny("2026-11-23 10:00"), config_dir=config) as replay:
        live = replay.live
        live.submit_form("ebook", ANN, page="/site/ebook")
        replay.days(14)

        tasks = live.hubspot_tasks()
        rep1 = next(str(o.id) for o in live.hub.state.owners.values() if o.first_name == "Rep1")
        assert live.hubspot_sends() == []
        assert [task["hs_task_type"] for task in tasks] == ["EMAIL"] * 3
        assert {task["hubspot_owner_id"] for task in tasks} == {rep1}
        assert [task["hs_task_subject"] for task in tasks] == [
            f"Send Ann a personal email (email {step} of 3)" for step in (1, 2, 3)
        ]
        assert [task["hs_createdate"] for task in tasks] == [
            "2026-11-23T15:00:00.000Z",  # at once, 10:00 in New York
            "2026-11-25T15:00:00.000Z",  # two days later, inside the window
            "2026-11-30T15:00:00.000Z",  # seven days later
        ]
        assert "Subject: Thanks, Ann: The lead scoring guide" in tasks[0]["hs_task_body"]
        assert "To: ann@smallco.test" in tasks[0]["hs_task_body"]
        assert "Subject: Ann, join our next live webinar" in tasks[1]["hs_task_body"]
