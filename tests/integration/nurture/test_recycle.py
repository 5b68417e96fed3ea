"""Sales sends a lead back in HubSpot: it re-enters nurture, and sales is not tasked again."""

from __future__ import annotations

import pytest

from tests.integration.nurture.replay import at, ny, replaying, sends_to
from tests.integration.sync.test_pipeline import DECISION_MAKER

DANA = DECISION_MAKER["email"]


@pytest.mark.parametrize("status", ["UNQUALIFIED", "BAD_TIMING"])
def test_it_puts_a_recycled_lead_back_into_nurture_at_the_invite(store, status):
    with replaying(store, ny("2026-11-23 10:00")) as replay:
        live = replay.live
        live.submit_form("contact", DECISION_MAKER, page="/site/contact")
        replay.until(ny("2026-11-24 10:00"))
        contact_id = live.hubspot_contact(DANA)["hs_object_id"]
        assert sends_to(live, DANA) == []
        live.hubspot_update(contact_id, hs_lead_status=status)
        replay.days(13)

        emails = sends_to(live, DANA)
        assert [send.send_id for send in emails] == [
            f"nurture:{contact_id}:1:2",  # episode 1, from the webinar invite on
            f"nurture:{contact_id}:1:3",
        ]
        assert [at(send.requested_ms) for send in emails] == [
            ny("2026-11-24 10:00"),  # at once: the invite is due two days after the (re)start
            ny("2026-11-30 09:00"),  # five days later is a Sunday: Monday's window
        ]
        assert len(live.hubspot_tasks()) == 1
        assert live.hubspot_contact(DANA)["lifecyclestage"] == "salesqualifiedlead"
