"""A write-back counted without rendering its reason is due exactly when the real one is."""

from __future__ import annotations

import pytest

from connector.workflows.planner import ContactState
from connector.workflows.writeback import due_properties
from tests.unit.workflows.planner_world import MONDAY, Portal, new_lead, shipped

# An MQL as HubSpot holds it; the ebook it downloaded scores 15 (fit 0, engagement 15).
MQL = {
    "lifecyclestage": "marketingqualifiedlead",
    "leadflow_fit_score": "0",
    "leadflow_scoring_model": "default",
    "leadflow_persona": "other",
}
SCORES = {"leadflow_score": "15", "leadflow_engagement_score": "15"}
MOVED = {"leadflow_score", "leadflow_engagement_score"}
REASON = "leadflow_reason"
CURRENT = "the reason of this evaluation"
OLDER = "an older reason"


@pytest.mark.parametrize(
    ("written", "rendered", "counted"),
    [
        # never written: due, and counting leaves the reason unrendered
        ({}, {*MOVED, REASON}, MOVED),
        # everything written already, the reason too: nothing is due either way
        ({**SCORES, REASON: CURRENT}, None, None),
        # only the reason changed: it decides, so counting renders it
        ({**SCORES, REASON: OLDER}, {REASON}, {REASON}),
        # scores drifting by half a point (and the reason quoting them): not due either way
        (
            {"leadflow_score": "15.5", "leadflow_engagement_score": "15.5", REASON: OLDER},
            None,
            None,
        ),
        # scores that moved a whole point: due, the reason unrendered when counting
        (
            {"leadflow_score": "16.1", "leadflow_engagement_score": "16.1", REASON: OLDER},
            {*MOVED, REASON},
            MOVED,
        ),
    ],
)
def test_it_decides_a_write_back_alike_whether_it_renders_the_reason_or_not(
    written: dict, rendered: set | None, counted: set | None
) -> None:
    jane = new_lead(**MQL)
    evaluation = Portal().evaluate(jane, MONDAY)
    if written.get(REASON) == CURRENT:
        written = {**written, REASON: evaluation.summary}
    state = ContactState(jane.contact, tuple(jane.activities), written, (), 0, 0)
    rules = shipped().ruleset
    found = {
        render: due_properties(evaluation, state, rules, {}, render_reason=render)
        for render in (True, False)
    }
    assert (set(found[True]) if found[True] else None) == rendered
    assert (set(found[False]) if found[False] else None) == counted
    if found[False] and REASON in found[False]:
        assert found[False][REASON] == evaluation.summary
