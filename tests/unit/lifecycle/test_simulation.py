"""simulate: what a candidate config would change, compared with the active one."""

from __future__ import annotations

import json

import pytest

from connector.lifecycle import ContactFacts, combine, simulate
from tests.unit.lifecycle.world import NOW, activity, contact, ruleset

SCORING = """
models:
  - id: default
    engagement:
      - {id: pricing, label: Pricing page, activity: page_view, points: 25, cap: 75}
"""
LIFECYCLE = """
stages:
  lead:
    signals: [{id: form, label: Filled in a form, when: {activity: form_submission}}]
  marketingqualifiedlead:
    min_score: {threshold}
"""
ACTIVE = ruleset(SCORING, LIFECYCLE.replace("{threshold}", "70"))
CANDIDATE = ruleset(SCORING, LIFECYCLE.replace("{threshold}", "45"))


def world() -> list[ContactFacts]:
    """Ten leads who viewed pricing 0, 1, 2 or 3 times (scores 0, 25, 50, 75)."""
    people = []
    for index in range(10):
        views = index % 4
        done = [activity("form_submission", form_name="Newsletter")]
        done += [activity("page_view", 0, url="/pricing")] * views
        person = contact(f"c{index}", email=f"p{index}@x.io", lifecyclestage="lead")
        people.append(ContactFacts(person, done))
    return people


def test_it_counts_stage_moves_from_the_active_to_the_candidate_config() -> None:
    report = simulate(world(), ACTIVE, CANDIDATE, NOW)
    assert (report.contacts, report.changed) == (10, 2)
    assert report.matrix == {
        ("lead", "lead"): 6,
        ("lead", "marketingqualifiedlead"): 2,
        ("marketingqualifiedlead", "marketingqualifiedlead"): 2,
    }
    assert (report.active_version, report.candidate_version) == (ACTIVE.version, CANDIDATE.version)


def test_it_buckets_scores_before_and_after() -> None:
    report = simulate(world(), ACTIVE, CANDIDATE, NOW)
    counts = dict(zip(report.buckets, report.before, strict=True))
    assert {label: count for label, count in counts.items() if count} == {
        "0–10": 3,
        "20–30": 3,
        "50–60": 2,
        "70–80": 2,
    }
    assert report.after == report.before
    assert sum(report.before) == report.contacts


def test_it_samples_the_contacts_that_would_change_with_their_reasons() -> None:
    report = simulate(world(), ACTIVE, CANDIDATE, NOW, sample_size=2)
    assert [(sample.email, sample.from_stage, sample.to_stage) for sample in report.samples] == [
        ("p2@x.io", "lead", "marketingqualifiedlead"),
        ("p6@x.io", "lead", "marketingqualifiedlead"),
    ]
    assert report.samples[0].reasons[0] == "Score at least 45: score 50 ≥ 45"


def test_it_streams_and_reports_progress() -> None:
    done: list[int] = []
    report = simulate(iter(world()), ACTIVE, CANDIDATE, NOW, on_progress=done.append)
    assert done == [10]
    assert json.loads(json.dumps(report.to_dict()))["changed"] == 2


def test_it_hands_each_contacts_two_evaluations_to_a_listener() -> None:
    seen = []
    simulate(world(), ACTIVE, CANDIDATE, NOW, on_evaluated=lambda *pair: seen.append(pair))
    assert [facts.contact.id for facts, _, _ in seen] == [f"c{index}" for index in range(10)]
    facts, old, new = seen[2]
    assert (old.contact_id, old.stage, new.stage) == ("c2", "lead", "marketingqualifiedlead")
    assert (old.config_version, new.config_version) == (ACTIVE.version, CANDIDATE.version)


@pytest.mark.parametrize(
    "cuts",
    [
        # two halves: the first holds one of the two samples, the second the other
        (5,),
        # runs of one to three contacts, the first holding no change at all
        (1, 3, 6, 8),
        # a run of every contact: nothing to add up
        (),
    ],
)
def test_it_combines_reports_of_runs_of_contacts_into_the_report_of_all(cuts) -> None:
    people = world()
    bounds = [0, *cuts, len(people)]
    parts = [
        simulate(people[start:stop], ACTIVE, CANDIDATE, NOW, sample_size=1)
        for start, stop in zip(bounds, bounds[1:], strict=False)
    ]
    whole = simulate(people, ACTIVE, CANDIDATE, NOW, sample_size=1)
    assert combine(parts, sample_size=1) == whole
    assert list(combine(parts, sample_size=1).matrix) == list(whole.matrix)
