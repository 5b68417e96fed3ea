"""Personas given at MQL and kept, and the properties written back to HubSpot."""

from __future__ import annotations

import pytest

from connector.lifecycle import writeback_properties
from tests.unit.lifecycle.world import activity, contact, evaluate_now, ruleset

SCORING = """
models:
  - id: default
    fit: [{id: vp, label: VP title, property: jobtitle, regex: '\\bvp\\b', points: 20}]
    engagement:
      - {id: webinar, label: Webinar, activity: webinar_attended, points: 15.5}
"""
LIFECYCLE = """
stages:
  lead:
    signals: [{id: form, label: Filled in a form, when: {activity: form_submission}}]
  marketingqualifiedlead:
    signals: [{id: webinar, label: Attended a webinar, when: {activity: webinar_attended}}]
personas:
  - {id: buyer, label: Economic buyer, when: {property: jobtitle, regex: vp}}
  - {id: engineer, label: Engineer, when: {property: jobtitle, regex: engineer}}
  - {id: other, label: Other}
write_back:
  stage: lifecyclestage
  score: leadflow_score
  engagement: leadflow_engagement_score
  persona: leadflow_persona
  reason: leadflow_reason
"""
RULES = ruleset(SCORING, LIFECYCLE)
WEBINAR = activity("webinar_attended", 0, event_name="Launch")
FORM = activity("form_submission", form_name="Newsletter")


@pytest.mark.parametrize(
    ("properties", "activities", "persona"),
    [
        # becoming an MQL gives the first persona that matches
        ({"jobtitle": "VP Sales"}, [WEBINAR], "buyer"),
        ({"jobtitle": "Site Reliability Engineer"}, [WEBINAR], "engineer"),
        # a persona without `when` catches everyone else
        ({"jobtitle": "Student"}, [WEBINAR], "other"),
        # before MQL, no persona yet
        ({"jobtitle": "VP Sales"}, [FORM], None),
        # a persona already on the contact is kept, whatever its title says now
        ({"jobtitle": "VP Sales", "leadflow_persona": "engineer"}, [WEBINAR], "engineer"),
        # a contact a person moved past MQL gets one too
        ({"jobtitle": "VP Sales", "lifecyclestage": "customer"}, [], "buyer"),
    ],
)
def test_it_gives_a_persona_once_a_contact_is_an_mql(
    properties: dict[str, str], activities: list, persona: str | None
) -> None:
    assert evaluate_now(contact(**properties), activities, RULES).persona == persona


def test_it_writes_back_the_properties_lifecycle_yaml_names() -> None:
    evaluation = evaluate_now(contact(jobtitle="VP Sales", lifecyclestage="lead"), [WEBINAR], RULES)
    assert writeback_properties(evaluation, RULES) == {
        "lifecyclestage": "marketingqualifiedlead",
        "leadflow_score": "35.5",
        "leadflow_engagement_score": "15.5",
        "leadflow_persona": "buyer",
        "leadflow_reason": (
            "MQL: Attended a webinar. Score 35.5 (fit 20, engagement 15.5):"
            " VP title +20, Webinar +15.5"
        ),
    }


def test_it_writes_no_stage_when_the_stage_does_not_move() -> None:
    evaluation = evaluate_now(contact(lifecyclestage="customer"), [WEBINAR], RULES)
    assert "lifecyclestage" not in writeback_properties(evaluation, RULES)


def test_it_keeps_the_written_reason_within_250_characters() -> None:
    signals = "\n".join(
        f"      - {{id: s{n}, label: '{'Very long signal label ' * 3}{n}',"
        " when: {activity: webinar_attended}}"
        for n in range(12)
    )
    lifecycle = f"""
stages:
  marketingqualifiedlead:
    signals:
{signals}
write_back: {{reason: leadflow_reason}}
"""
    rules = ruleset(SCORING, lifecycle)
    written = writeback_properties(evaluate_now(contact(), [WEBINAR], rules), rules)
    reason = written["leadflow_reason"]
    assert len(reason) == 250
    assert reason.startswith("MQL: Very long signal label") and reason.endswith("…")
