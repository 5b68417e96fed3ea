"""From nurture to sales: the SQL's one CALL task, the round robin, the recycle."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from tests.integration.nurture.replay import ny, replaying, sends_to
from tests.integration.sync.test_pipeline import DECISION_MAKER

ANN = {"email": "ann@smallco.test", "firstname": "Ann", "company": "SmallCo"}
ANN_ASKS_FOR_A_CALL = {
    **DECISION_MAKER,
    "email": ANN["email"],
    "firstname": "Ann",
    "company": "SmallCo",
}
REPS = 4


def call_tasks(tasks: list[dict[str, str]]) -> list[dict[str, str]]:
    return [task for task in tasks if task["hs_task_type"] == "CALL"]


def test_it_stops_nurture_for_a_new_sql_and_tasks_its_owner_once_with_the_history(store):
    with replaying(store, ny("2026-11-23 10:00")) as replay:
        live = replay.live
        live.submit_form("ebook", ANN, page="/site/ebook")
        replay.until(ny("2026-11-23 11:00"))
        contact_id = live.hubspot_contact(ANN["email"])["hs_object_id"]
        rep = str(sorted(live.hub.state.owners)[2])
        live.hubspot_update(contact_id, hubspot_owner_id=rep)
        replay.until(ny("2026-11-24 11:00"))
        live.submit_form("contact", ANN_ASKS_FOR_A_CALL, page="/site/contact")
        replay.days(13)

        tasks = live.hubspot_tasks()
        assert [send.email_id for send in sends_to(live, ANN["email"])] == [5002]
        assert len(tasks) == 1
        [task] = call_tasks(tasks)
        assert task["hubspot_owner_id"] == rep
        assert "Submitted form: Contact us" in task["hs_task_body"]
        assert "2026-11-23  Downloaded: Ebook download" in task["hs_task_body"]
        assert live.hubspot_contact(ANN["email"])["lifecyclestage"] == "salesqualifiedlead"


def test_it_spreads_100_ownerless_sqls_evenly_over_the_reps(store):
    with replaying(store, ny("2026-11-23 09:00")) as replay:
        live = replay.live
        for number in range(100):
            prospect = {**DECISION_MAKER, "email": f"sql{number}@bigco.test"}
            live.submit_form("contact", prospect, page="/site/contact")
            if number % 7 == 6:
                replay.until(live.clock.now + timedelta(minutes=5))
        replay.days(1)

        tasks = call_tasks(live.hubspot_tasks())
        tasked = Counter(
            number
            for task in tasks
            for number in range(100)
            if f"sql{number}@bigco.test" in task["hs_task_body"]
        )
        owners = {
            number: live.hubspot_contact(f"sql{number}@bigco.test", "hubspot_owner_id")[
                "hubspot_owner_id"
            ]
            for number in range(100)
        }
        per_rep = Counter(task["hubspot_owner_id"] for task in tasks)
        assert len(tasks) == 100
        assert set(tasked.values()) == {1} and len(tasked) == 100
        assert Counter(owners.values()) == per_rep
        assert len(per_rep) == REPS
        assert max(per_rep.values()) - min(per_rep.values()) <= 1
