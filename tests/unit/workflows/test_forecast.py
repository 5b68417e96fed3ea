"""EffectForecast: the emails and tasks each config would plan at the next evaluation."""

from __future__ import annotations

from datetime import timedelta

import pytest

from connector.lifecycle import ContactFacts, evaluate, simulate, writeback_properties
from connector.workflows import EffectForecast, FunnelState, Planned, PlannedStep
from tests.unit.workflows.planner_world import (
    MONDAY,
    OWNERS,
    Person,
    config_of,
    edit,
    new_lead,
    shipped,
    shipped_files,
)

NOW = MONDAY + timedelta(hours=1)
FUNNEL = FunnelState(OWNERS, {}, new_leads_today=20)
THREE_ITEMS_MAKE_AN_SQL = edit("lifecycle.yaml", "    at_least: 4\n", "    at_least: 3\n")
LOW_VOLUME = edit("nurture.yaml", "below_new_leads_per_day: 0", "below_new_leads_per_day: 50")


def enrolled(contact_id: str = "c1") -> Planned:
    """Welcome sent an hour ago, the invite and the news still to come."""
    steps = [
        PlannedStep(f"nurture:{contact_id}:0:{n}", n, state, MONDAY + timedelta(days=days))
        for n, state, days in ((1, "sent", 0), (2, "pending", 2), (3, "pending", 7))
    ]
    return Planned(nurture=steps, emails_sent_at=[MONDAY])


def asks_for_a_call_without_budget() -> Person:
    """An enrolled lead who then asks to be contacted: 3 of the 5 SQL items."""
    who = new_lead("c1", MONDAY, lifecyclestage="lead", jobtitle="Director of Marketing")
    who.properties["challenge"] = "Nobody calls our leads back"
    return who.does("form_submission", MONDAY, form_name="Contact us")


def forecast(who: Person, planned: Planned, candidate_files: dict) -> EffectForecast:
    active, candidate = shipped(), config_of(candidate_files)
    counted = EffectForecast(active, candidate, FUNNEL, NOW, lambda ids: {who.id: planned})
    facts = ContactFacts(who.contact, who.activities)
    simulate([facts], active.ruleset, candidate.ruleset, NOW, on_evaluated=counted.add)
    return counted.finish()


def emails_and_tasks(counts) -> dict:
    found = counts.to_dict()
    found.pop("writebacks")
    return found


NOTHING = {
    "emails_by_step": {},
    "personal_email_tasks_by_step": {},
    "sql_call_tasks": 0,
    "mql_call_tasks": 0,
    "nurture_steps_cancelled": 0,
}


@pytest.mark.parametrize(
    ("who", "planned", "candidate", "active_expected", "candidate_expected"),
    [
        # judged alike by two configs that plan alike: the same either way, not counted
        (new_lead(), Planned(), shipped_files(), NOTHING, NOTHING),
        # an enrolled lead is not planned twice: nothing under either config
        (new_lead(lifecyclestage="lead"), enrolled(), shipped_files(), NOTHING, NOTHING),
        # three SQL items are enough in the candidate: one CALL task, two emails stopped
        (
            asks_for_a_call_without_budget(),
            enrolled(),
            THREE_ITEMS_MAKE_AN_SQL,
            NOTHING,
            {**NOTHING, "sql_call_tasks": 1, "nurture_steps_cancelled": 2},
        ),
        # with few new leads a day, the owner is asked to send each email personally
        # (nurture.yaml differs, so every contact is planned under both configs)
        (
            new_lead(),
            Planned(),
            LOW_VOLUME,
            {**NOTHING, "emails_by_step": {"1": 1, "2": 1, "3": 1}},
            {**NOTHING, "personal_email_tasks_by_step": {"1": 1, "2": 1, "3": 1}},
        ),
    ],
)
def test_it_counts_the_emails_and_tasks_each_config_would_plan(
    who, planned, candidate, active_expected, candidate_expected
) -> None:
    counted = forecast(who, planned, candidate)
    assert emails_and_tasks(counted.before) == active_expected
    assert emails_and_tasks(counted.after) == candidate_expected


def test_it_counts_a_write_back_only_where_the_candidate_changes_a_value() -> None:
    who = new_lead(lifecyclestage="marketingqualifiedlead")
    active = shipped().ruleset
    who.properties |= writeback_properties(
        evaluate(who.contact, who.activities, active, NOW), active
    )
    gated_content_worth_more = edit(
        "scoring.yaml",
        "        points: 15\n        cap: 30\n",
        "        points: 25\n        cap: 50\n",
    )
    counted = forecast(who, enrolled(), gated_content_worth_more)
    assert (counted.before.writebacks, counted.after.writebacks) == (0, 1)


def test_it_counts_every_contact_of_its_batches_and_parts_merge_into_the_whole() -> None:
    active, candidate = shipped(), config_of(LOW_VOLUME)
    leads = [ContactFacts(new_lead(f"c{n}").contact, new_lead(f"c{n}").activities) for n in "1234"]

    def counted(contacts: list[ContactFacts]) -> EffectForecast:
        forecast = EffectForecast(active, candidate, FUNNEL, NOW, batch=3)
        simulate(contacts, active.ruleset, candidate.ruleset, NOW, on_evaluated=forecast.add)
        return forecast.finish()

    whole = counted(leads)
    merged = EffectForecast(active, candidate, FUNNEL, NOW)
    for part in (counted(leads[:2]), counted(leads[2:])):
        merged.merge(part.contacts, part.before, part.after)
    assert whole.contacts == 4
    assert whole.before.to_dict()["emails_by_step"] == {"1": 4, "2": 4, "3": 4}
    assert merged.to_dict() == whole.to_dict()
