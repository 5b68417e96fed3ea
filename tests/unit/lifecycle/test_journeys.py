"""The marketing team's seed journeys, run through the shipped config."""

from __future__ import annotations

from datetime import timedelta

from connector.domain import Stage
from connector.lifecycle import evaluate
from tests.unit.lifecycle.world import NOW, activity, contact, evaluate_now, shipped

BLOG = "https://demo.leadflow.test/site/blog/lead-scoring-101"
PRICING = "https://demo.leadflow.test/site/pricing"


def test_it_keeps_a_blog_only_reader_a_lead() -> None:
    reader = contact(jobtitle="Marketing Manager", numemployees="120", lifecyclestage="lead")
    reading = [activity("page_view", day, url=f"{BLOG}?n={day}") for day in range(1, 25)]
    reading.append(activity("form_submission", 40, form_name="Blog subscription"))
    evaluation = evaluate_now(reader, reading, shipped())
    assert (evaluation.stage, evaluation.transition) == ("lead", None)
    assert evaluation.score < 60


def test_it_makes_an_ebook_reader_who_attends_the_webinar_an_mql() -> None:
    reader = contact(jobtitle="Content Marketer", email="kim@globex.test", lifecyclestage="lead")
    journey = [
        activity("page_view", 20, url=BLOG),
        activity("form_submission", 19, form_name="Ebook download"),
        activity("webinar_registered", 10, event_name="Scoring leads that sales will call"),
        activity("webinar_attended", 3, event_name="Scoring leads that sales will call"),
    ]
    evaluation = evaluate_now(reader, journey, shipped())
    assert evaluation.transition is not None
    assert (evaluation.transition.from_stage, evaluation.transition.to_stage) == ("lead", Stage.MQL)
    assert {"mql.gated_content", "mql.attended_webinar"} <= {
        reason.rule_id for reason in evaluation.transition.reasons
    }


def test_it_makes_a_decision_maker_with_a_challenge_and_budget_who_asks_for_contact_an_sql() -> (
    None
):
    buyer = contact(
        jobtitle="VP Marketing",
        hs_buying_role="DECISION_MAKER",
        challenge="Sales ignores our leads",
        budget="50k_250k",
        numemployees="250",
        lifecyclestage="lead",
    )
    journey = [
        activity("page_view", 4, url=PRICING),
        activity("page_view", 2, url=PRICING),
        activity("form_submission", 1, form_name="Contact us"),
    ]
    evaluation = evaluate_now(buyer, journey, shipped())
    assert evaluation.stage == Stage.SQL
    answers = {answer.item_id: answer.met for answer in evaluation.checklist}
    assert answers == {
        "asked_to_be_contacted": True,
        "named_challenge": True,
        "decision_maker": True,
        "has_budget": True,
        "willing_to_meet": False,
    }
    assert evaluation.persona == "economic_buyer"


def test_it_recycles_a_lead_sales_rejected_without_moving_its_stage_back() -> None:
    rejected = contact(
        jobtitle="VP Marketing",
        hs_buying_role="DECISION_MAKER",
        lifecyclestage="salesqualifiedlead",
        hs_lead_status="BAD_TIMING",
    )
    before = [
        activity("form_submission", 10, form_name="Contact us"),
        activity("page_view", 9, url=PRICING),
    ]
    first = evaluate_now(rejected, before, shipped())
    assert (first.recycled, first.newly_recycled, first.recycled_at) == (True, True, NOW)
    assert (first.stage, first.transition, first.engagement) == ("salesqualifiedlead", None, 0)
    assert "Sent back by sales (BAD_TIMING)" in first.summary

    # Five days on, the store passes the remembered recycle time back in.
    came_back = activity("page_view", -2, url=PRICING)
    second = evaluate(rejected, [*before, came_back], shipped(), NOW + timedelta(days=5), NOW)
    assert (second.recycled, second.newly_recycled, second.recycled_at) == (True, False, NOW)
    assert second.stage == "salesqualifiedlead"
    engaged = [
        reason for reason in second.score_reasons if reason.rule_id.startswith("engagement.")
    ]
    assert [(reason.rule_id, reason.evidence[0].activity) for reason in engaged] == [
        ("engagement.pricing_page", came_back)
    ]


def test_it_counts_all_activity_again_once_sales_reopens_the_lead() -> None:
    reopened = contact(lifecyclestage="marketingqualifiedlead", hs_lead_status="OPEN")
    history = [activity("form_submission", 10, form_name="Contact us")]
    evaluation = evaluate(reopened, history, shipped(), NOW, recycled_at=NOW - timedelta(days=3))
    assert (evaluation.recycled, evaluation.recycled_at) == (False, None)
    assert evaluation.engagement > 0
