"""The write-back effect: only what changed, one pending per contact, the owner routing set."""

from __future__ import annotations

from datetime import timedelta

import pytest

from connector.domain import EffectKind
from connector.workflows.planner import ContactState, FunnelState, plan
from tests.unit.workflows.planner_world import (
    MONDAY,
    OWNERS,
    Person,
    Portal,
    new_lead,
    shipped,
    sql_lead,
)

FUNNEL = FunnelState(OWNERS, {}, new_leads_today=100)


def state(who: Person, written: dict[str, str] | None = None) -> ContactState:
    return ContactState(
        contact=who.contact,
        activities=tuple(who.activities),
        written=written or {},
        nurture=(),
        episode=0,
        emails_sent_last_7_days=0,
    )


def writebacks(planned) -> list:
    return [e for e in planned.effects if e.kind == EffectKind.UPDATE_CONTACT]


def test_two_judgments_in_one_instant_wanting_other_values_are_two_write_backs() -> None:
    jane = new_lead()
    evaluation = Portal().evaluate(jane, MONDAY)
    first = plan(evaluation, state(jane), FUNNEL, shipped(), None, MONDAY)
    scored = state(jane, written={"leadflow_score": "15"})
    fewer = plan(evaluation, scored, FUNNEL, shipped(), None, MONDAY)
    again = plan(evaluation, state(jane), FUNNEL, shipped(), None, MONDAY)
    keys = [writebacks(p)[0].idempotency_key for p in (first, fewer, again)]
    assert keys[0] != keys[1]
    assert keys[0] == keys[2]


def test_it_writes_stage_scores_model_persona_and_reason_after_a_transition() -> None:
    jane = new_lead()
    evaluation = Portal().evaluate(jane, MONDAY)
    planned = plan(
        evaluation, state(jane), FUNNEL, shipped(), "t:c1:marketingqualifiedlead:0", MONDAY
    )
    (effect,) = writebacks(planned)
    assert effect.idempotency_key.startswith(f"writeback:c1:{int(MONDAY.timestamp() * 1000)}:")
    assert effect.due_at == MONDAY
    assert effect.transition_id == "t:c1:marketingqualifiedlead:0"
    assert effect.payload["properties"] == {
        "lifecyclestage": "marketingqualifiedlead",
        "leadflow_score": "15",
        "leadflow_fit_score": "0",
        "leadflow_engagement_score": "15",
        "leadflow_scoring_model": "default",
        "leadflow_persona": "other",
        "leadflow_reason": evaluation.summary,
    }
    assert planned.cancel_keys_with_prefix[0] == "writeback:c1:"


@pytest.mark.parametrize(
    ("written", "in_hubspot", "expected"),
    [
        # never written, HubSpot empty: written
        ({}, {}, {"leadflow_score": "15"}),
        # written earlier and still in HubSpot: nothing to do
        ({"leadflow_score": "15"}, {"leadflow_score": "15"}, {}),
        # HubSpot already holds the value (someone else wrote it): no call
        ({}, {"leadflow_score": "15"}, {}),
        # a person changed the value leadflow wrote: left alone until leadflow's value moves
        ({"leadflow_score": "15"}, {"leadflow_score": "99"}, {}),
        # leadflow's value moved since: written again
        ({"leadflow_score": "12"}, {"leadflow_score": "12"}, {"leadflow_score": "15"}),
    ],
)
def test_it_writes_only_values_that_differ_from_both_written_and_hubspot(
    written: dict, in_hubspot: dict, expected: dict
) -> None:
    others = {
        "lifecyclestage": "marketingqualifiedlead",
        "leadflow_fit_score": "0",
        "leadflow_engagement_score": "15",
        "leadflow_scoring_model": "default",
        "leadflow_persona": "other",
    }
    others["leadflow_reason"] = Portal().evaluate(new_lead(**others), MONDAY).summary
    jane = new_lead(**others, **in_hubspot)
    evaluation = Portal().evaluate(jane, MONDAY)
    planned = plan(evaluation, state(jane, {**others, **written}), FUNNEL, shipped(), None, MONDAY)
    found = writebacks(planned)
    assert (found[0].payload["properties"] if found else {}) == expected
    assert ("writeback:c1:" in planned.cancel_keys_with_prefix) == bool(expected)


@pytest.mark.parametrize(
    ("written_score", "expected"),
    [
        # decay moved the scores by half a point: not worth a write (and its echo)
        ("15.5", set()),
        # a whole point or more: written, with the reason that quotes the score
        ("16.1", {"leadflow_score", "leadflow_engagement_score", "leadflow_reason"}),
        # never written: written
        ("", {"leadflow_score", "leadflow_engagement_score", "leadflow_reason"}),
    ],
)
def test_scores_that_only_drift_under_a_point_are_not_written(written_score, expected) -> None:
    others = {
        "lifecyclestage": "marketingqualifiedlead",
        "leadflow_fit_score": "0",
        "leadflow_scoring_model": "default",
        "leadflow_persona": "other",
    }
    jane = new_lead(**others)
    evaluation = Portal().evaluate(jane, MONDAY)
    scores = {"leadflow_score": written_score, "leadflow_engagement_score": written_score}
    written = {**others, **scores, "leadflow_reason": "an older reason"}
    planned = plan(evaluation, state(jane, written), FUNNEL, shipped(), None, MONDAY)
    found = writebacks(planned)
    assert (set(found[0].payload["properties"]) if found else set()) == expected


def test_it_coalesces_pending_write_backs_of_a_contact() -> None:
    portal = Portal()
    jane = portal.add(new_lead())
    portal.refresh(jane, MONDAY)
    portal.refresh(jane, MONDAY + timedelta(days=6))  # engagement decayed by 2 points
    rows = portal.outbox.of("c1", "writeback:")
    assert [row.state for row in rows] == ["cancelled", "pending"]


def test_it_writes_the_owner_routing_assigned() -> None:
    portal = Portal()
    jane = portal.add(sql_lead())
    planned = portal.refresh(jane, MONDAY)
    (effect,) = writebacks(planned)
    assert planned.assigned_owner == "101"
    assert effect.payload["properties"]["hubspot_owner_id"] == "101"
    assert effect.payload["properties"]["lifecyclestage"] == "salesqualifiedlead"


def test_it_keeps_the_owner_a_contact_already_has() -> None:
    portal = Portal()
    jane = portal.add(sql_lead(hubspot_owner_id="103"))
    planned = portal.refresh(jane, MONDAY)
    assert planned.assigned_owner is None
    assert "hubspot_owner_id" not in writebacks(planned)[0].payload["properties"]
