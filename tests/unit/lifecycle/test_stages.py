"""Stage rules: thresholds and signals, the SQL checklist, forward-only moves."""

from __future__ import annotations

import pytest

from connector.domain import Stage
from tests.unit.lifecycle.world import activity, contact, evaluate_now, ruleset

# Fit points come straight from a `points` property, so each row picks its score.
SCORING = """
models:
  - id: vip
    segment: {property: tier, equals: vip}
    fit: [{id: p, label: Points, property: points, min: 0, points: 40}]
  - id: default
    fit:
      - {id: p40, label: Forty, property: points, equals: '40', points: 40}
      - {id: p70, label: Seventy, property: points, equals: '70', points: 70}
"""
STAGES = """
stages:
  lead:
    signals:
      - {id: any_form, label: Filled in a form, when: {activity: form_submission}}
  marketingqualifiedlead:
    min_score: 60
    min_score_by_model: {vip: 30}
    signals:
      - id: webinar
        label: Attended a webinar
        when: {activity: webinar_attended, within_days: 90}
      - id: busy
        label: Three pricing visits
        when: {activity: page_view, match: {url: pricing}, at_least: 3}
  salesqualifiedlead:
    at_least: 2
    min_score: 30
    checklist:
      - id: asked
        label: Asked to be contacted
        required: true
        when: {activity: form_submission, match: {form_name: contact}}
      - id: challenge
        label: Named a challenge
        when: {property: challenge, present: true}
      - id: budget
        label: Has a budget
        when: {any: [{property: budget, equals: 'yes'}, {activity: meeting_booked}]}
"""
RULES = ruleset(SCORING, STAGES)
FORM = activity("form_submission", form_name="Newsletter")
CONTACT_US = activity("form_submission", form_name="Contact us")


@pytest.mark.parametrize(
    ("properties", "activities", "earned"),
    [
        # nothing done: no stage earned
        ({}, [], None),
        # any form makes a lead
        ({}, [FORM], Stage.LEAD),
        # the score threshold alone makes an MQL
        ({"points": "70"}, [], Stage.MQL),
        # below the threshold, no signal: not an MQL
        ({"points": "40"}, [FORM], Stage.LEAD),
        # a model may have its own, lower threshold
        ({"tier": "vip", "points": "1"}, [], Stage.MQL),
        # one signal is enough
        ({}, [activity("webinar_attended", 10)], Stage.MQL),
        # a signal's window drops old activity
        ({}, [activity("webinar_attended", 91)], None),
        # `at_least` counts matching activities
        ({}, [activity("page_view", url="/pricing")] * 3, Stage.MQL),
        ({}, [activity("page_view", url="/pricing")] * 2, None),
        # SQL: the required item, enough items and the score
        ({"points": "40", "challenge": "Slow"}, [CONTACT_US], Stage.SQL),
        # the required item missing: no SQL, however many others
        ({"points": "70", "challenge": "Slow", "budget": "yes"}, [FORM], Stage.MQL),
        # too few items
        ({"points": "40"}, [CONTACT_US], Stage.LEAD),
        # any activity condition inside an item counts
        ({"points": "40"}, [CONTACT_US, activity("meeting_booked")], Stage.SQL),
        # enough items but below the SQL score
        ({"challenge": "Slow", "budget": "yes"}, [CONTACT_US], Stage.LEAD),
    ],
)
def test_it_earns_the_furthest_stage_the_rules_allow(
    properties: dict[str, str], activities: list, earned: Stage | None
) -> None:
    assert evaluate_now(contact(**properties), activities, RULES).earned_stage == earned


@pytest.mark.parametrize(
    ("current", "activities", "stage", "moves"),
    [
        # a new contact without a stage gets the earned one
        (None, [FORM], Stage.LEAD, True),
        # forward moves are transitions
        ("subscriber", [FORM], Stage.LEAD, True),
        ("lead", [activity("webinar_attended")], Stage.MQL, True),
        # an earned stage behind HubSpot's never moves the contact back
        ("salesqualifiedlead", [FORM], "salesqualifiedlead", False),
        # a stage a person set further along is adopted
        ("customer", [CONTACT_US], "customer", False),
        ("evangelist", [FORM], "evangelist", False),
        # `other` is last in HubSpot's order, so nothing earned passes it
        ("other", [activity("webinar_attended")], "other", False),
        # the same stage is no transition
        ("lead", [FORM], "lead", False),
        # a custom stage leadflow cannot place is left alone
        ("partner_prospect", [activity("webinar_attended")], "partner_prospect", False),
        # nothing earned: HubSpot's stage stays
        ("subscriber", [], "subscriber", False),
    ],
)
def test_it_only_ever_moves_a_stage_forward(
    current: str | None, activities: list, stage: str, moves: bool
) -> None:
    properties = {"lifecyclestage": current} if current else {}
    evaluation = evaluate_now(contact(**properties), activities, RULES)
    assert evaluation.stage == stage
    assert (evaluation.transition is not None) == moves
    if moves:
        assert (evaluation.transition.from_stage, evaluation.transition.to_stage) == (
            current,
            stage,
        )


def test_it_explains_a_stage_with_every_rule_that_fired_the_furthest_first() -> None:
    person = contact(points="70", challenge="Slow", lifecyclestage="lead")
    evaluation = evaluate_now(person, [CONTACT_US, activity("webinar_attended")], RULES)
    assert [reason.rule_id for reason in evaluation.stage_reasons] == [
        "sql.min_score",
        "sql.asked",
        "sql.challenge",
        "mql.min_score",
        "mql.webinar",
        "lead.any_form",
    ]
    assert evaluation.transition.reasons == evaluation.stage_reasons
    assert evaluation.summary.startswith(
        "SQL: Score at least 30; Asked to be contacted; Named a challenge. Score 70"
    )
