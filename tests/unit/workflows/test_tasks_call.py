"""Sales CALL tasks: one per transition, due by the SLA in business hours, with what a
rep needs before dialling in the body."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from connector.domain import EffectKind
from connector.workflows.task_body import BODY_LIMIT
from tests.unit.workflows.planner_world import (
    MONDAY,
    Portal,
    edit,
    new_lead,
    new_york,
    sql_lead,
    with_config,
)

HIGH_FIT = {"jobtitle": "VP Marketing", "numemployees": "200", "country": "United States"}


def call_tasks(planned, purpose: str = "sql_call") -> list:
    return [
        e
        for e in planned.effects
        if e.kind == EffectKind.CREATE_TASK and e.payload["purpose"] == purpose
    ]


@pytest.mark.parametrize(
    ("at", "extra", "due", "priority"),
    [
        # Tuesday 10:00, an ordinary score: 4 business hours, the same afternoon
        (new_york("2026-11-24 10:00"), {}, "2026-11-24 14:00", "HIGH"),
        # a Friday-evening SQL: due Monday 13:00, not Saturday
        (new_york("2026-11-27 19:30"), {}, "2026-11-30 13:00", "HIGH"),
        # Friday 15:00: two hours on Friday, two on Monday morning
        (new_york("2026-11-27 15:00"), {}, "2026-11-30 11:00", "HIGH"),
        # a score of 80 or more: the first tier, within one business hour
        (
            new_york("2026-11-24 10:00"),
            {"numemployees": "200", "country": "Canada"},
            "2026-11-24 11:00",
            "HIGH",
        ),
        # the Saturday before the clocks go back: Monday 13:00 on the new time
        (new_york("2026-10-31 12:00"), {}, "2026-11-02 13:00", "HIGH"),
    ],
)
def test_it_sets_due_time_and_priority_from_the_sla(
    at: datetime, extra: dict, due: str, priority: str
) -> None:
    portal = Portal()
    jane = sql_lead(at=at, hubspot_owner_id="101", **extra)
    evaluation = portal.evaluate(jane, at)
    assert (evaluation.score >= 80) == bool(extra)
    (task,) = call_tasks(portal.refresh(jane, at))
    due_at = datetime.fromisoformat(task.payload["due_at"])
    assert due_at.utcoffset() == timedelta(0)
    assert due_at == new_york(due)
    assert task.payload["priority"] == priority
    assert task.due_at == at  # created at once; due later


def test_it_names_the_task_for_the_transition_and_the_owner() -> None:
    portal = Portal()
    jane = sql_lead(hubspot_owner_id="102")
    (task,) = call_tasks(portal.refresh(jane, MONDAY))
    assert task.idempotency_key == "task:t:c1:salesqualifiedlead:0"
    assert task.transition_id == "t:c1:salesqualifiedlead:0"
    assert task.payload | {"body": "…", "due_at": "…"} == {
        "task_type": "CALL",
        "purpose": "sql_call",
        "owner_id": "102",
        "subject": "Call Jane Doe: sales-qualified lead",
        "body": "…",
        "due_at": "…",
        "priority": "HIGH",
    }


def test_it_names_a_lead_without_a_name_by_email() -> None:
    jane = sql_lead(firstname="", lastname="")
    (task,) = call_tasks(Portal().refresh(jane, MONDAY))
    assert task.payload["subject"] == "Call c1@acme.example: sales-qualified lead"


def test_it_plans_exactly_one_task_per_transition_whatever_the_replays() -> None:
    portal = Portal()
    jane = portal.add(sql_lead())
    for _ in range(3):  # a crash before commit replays the same evaluation
        portal.refresh(jane, MONDAY)
    portal.run(MONDAY, days=2)  # hourly evaluations after the stage was written back
    assert [row.effect.idempotency_key for row in portal.outbox.of("c1", "task:")] == [
        "task:t:c1:salesqualifiedlead:0"
    ]


def test_it_tells_the_rep_what_they_need_before_dialling() -> None:
    jane = sql_lead(
        at=new_york("2026-11-24 10:00"),
        hubspot_owner_id="101",
        company="Acme",
        phone="+1 555 0100",
    )
    jane.does("webinar_attended", new_york("2026-11-20 15:00"), event_name="Scoring 101")
    for day in (21, 22, 23):
        jane.does("page_view", new_york(f"2026-11-{day} 09:00"), url="https://acme.example/pricing")
    jane.does("page_view", new_york("2026-11-22 09:30"), url="https://acme.example/blog/x")
    (task,) = call_tasks(Portal().refresh(jane, new_york("2026-11-24 10:00")))
    body = task.payload["body"]
    lines = body.splitlines()
    assert lines[0] == "Jane Doe, Director of Marketing at Acme"
    assert lines[1] == "c1@acme.example, +1 555 0100"
    assert any(line.startswith("Score ") and "fit 20" in line for line in lines)
    assert "Top reasons:" in lines
    assert "SQL checklist (4 of 5 met):" in lines
    assert "  [x] Is a decision maker: jobtitle = 'Director of Marketing'" in lines
    assert "  [ ] Willing to meet" in lines
    history = lines[lines.index("History (newest first):") + 1 :]
    assert history == [
        "  2026-11-24  Submitted form: Request a demo",
        "  2026-11-23  Viewed /pricing (3×)",
        "  2026-11-21  Downloaded: Ebook download",
        "  2026-11-20  Attended webinar: Scoring 101",
    ]


def test_it_keeps_the_body_short_whatever_the_history() -> None:
    jane = sql_lead(hubspot_owner_id="101")
    for number in range(400):
        jane.does(
            "page_view",
            MONDAY - timedelta(hours=number),
            url=f"https://acme.example/pricing/{number}",
        )
    files = edit("routing.yaml", "history_items: 15", "history_items: 50")
    (task,) = call_tasks(with_config(Portal(), files).refresh(jane, MONDAY))
    body = task.payload["body"]
    assert len(body) <= BODY_LIMIT
    assert "  ... and 352 earlier" in body


@pytest.mark.parametrize(
    ("properties", "routing_edit", "expected"),
    [
        # a new MQL with a fit of 40: a "call when convenient" task
        (HIGH_FIT, None, 1),
        # fit 0: no task
        ({}, None, 0),
        # the admin turned it off
        (HIGH_FIT, ("enabled: true", "enabled: false"), 0),
        # a higher bar than this contact's fit
        (HIGH_FIT, ("min_fit: 30", "min_fit: 45"), 0),
    ],
)
def test_it_asks_for_a_call_when_convenient_for_high_fit_mqls(
    properties: dict, routing_edit: tuple | None, expected: int
) -> None:
    portal = Portal()
    if routing_edit:
        portal = with_config(portal, edit("routing.yaml", *routing_edit))
    jane = new_lead(hubspot_owner_id="103", **properties)
    planned = portal.refresh(jane, new_york("2026-11-24 10:00"))
    found = call_tasks(planned, "mql_call")
    assert len(found) == expected
    assert call_tasks(planned) == []
    if found:
        (task,) = found
        assert task.idempotency_key == "mql-call:t:c1:marketingqualifiedlead:0"
        assert task.payload["priority"] == "LOW"
        assert task.payload["subject"] == "Call Jane Doe when convenient: high-fit MQL"
        # 16 business hours: two working days
        assert datetime.fromisoformat(task.payload["due_at"]) == new_york("2026-11-26 10:00")


def test_it_asks_no_call_for_a_recycled_lead_that_becomes_an_mql_again() -> None:
    portal = Portal()
    # sales sent this lead back ten days ago; today it downloads the ebook
    jane = new_lead(**HIGH_FIT, lifecyclestage="lead", hs_lead_status="UNQUALIFIED")
    portal.outbox.recycled_at["c1"] = MONDAY - timedelta(days=10)
    evaluation = portal.evaluate(jane, MONDAY)
    assert evaluation.recycled and evaluation.transition.to_stage == "marketingqualifiedlead"
    assert call_tasks(portal.refresh(jane, MONDAY), "mql_call") == []


def test_it_plans_no_task_without_a_transition() -> None:
    portal = Portal()
    jane = sql_lead(lifecyclestage="salesqualifiedlead")
    evaluation = portal.evaluate(jane, MONDAY)
    assert evaluation.transition is None
    assert call_tasks(portal.refresh(jane, MONDAY)) == []
