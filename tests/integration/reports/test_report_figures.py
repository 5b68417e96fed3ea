"""The report's figures match the ones computed by hand in world.py, on SQLite and PostgreSQL."""

from datetime import UTC, date, datetime

import pytest

from connector.reports.report import Conversion, StageTime, build_report
from connector.store.reporting import FollowUp, NurtureStep, Period, StayBucket
from tests.integration.reports import world
from tests.integration.reports.world import DAY, NOW, PERIOD


@pytest.fixture
def report(store):
    world.seed(store)
    return build_report(store, PERIOD, NOW)


def test_it_counts_contacts_reaching_each_stage_in_the_period(report):
    assert report.overall.funnel == {
        "lead": 4,
        "marketingqualifiedlead": 3,
        "salesqualifiedlead": 3,
        "opportunity": 0,
        "customer": 0,
    }


def test_it_converts_each_cohort_to_date_and_has_no_rate_without_a_cohort(report):
    assert report.overall.conversions == [
        Conversion("lead", "marketingqualifiedlead", cohort=4, converted=3),
        Conversion("marketingqualifiedlead", "salesqualifiedlead", cohort=3, converted=2),
        Conversion("salesqualifiedlead", "opportunity", cohort=3, converted=0),
        Conversion("opportunity", "customer", cohort=0, converted=0),
    ]
    assert [c.rate for c in report.overall.conversions] == [0.75, 2 / 3, 0.0, None]


def test_it_measures_median_and_p90_of_stays_ended_in_the_period(report):
    assert report.overall.time_in_stage == [
        StageTime("lead", 3, 2 * DAY, pytest.approx(3.6 * DAY)),
        StageTime("marketingqualifiedlead", 2, 10.75 * DAY, pytest.approx(17.35 * DAY)),
        StageTime("salesqualifiedlead", 0, None, None),
        StageTime("opportunity", 0, None, None),
    ]


def test_it_counts_nurture_emails_and_reactions_per_step(report):
    assert report.overall.nurture == [
        NurtureStep(None, step=1, sent=2, opened=1, clicked=1, unsubscribed=1, bounced=0),
        NurtureStep(None, step=2, sent=1, opened=1, clicked=0, unsubscribed=0, bounced=0),
    ]


def test_it_follows_call_tasks_against_their_sla_and_counts_recycled_leads(report):
    assert report.overall.follow_up == FollowUp(
        None,
        planned=5,
        created=3,
        completed_in_sla=1,
        completed_late=1,
        overdue=1,
        parked=1,
        recycled=1,
    )


def test_it_buckets_cohorts_by_week(report):
    weeks = report.weekly["marketingqualifiedlead", "salesqualifiedlead"]
    assert [(w.start, w.cohort, w.converted) for w in weeks] == [
        (date(2026, 3, 2), 2, 1),
        (date(2026, 3, 9), 1, 1),
    ]


def test_it_spreads_stays_over_duration_buckets(report):
    assert report.distribution == [
        StayBucket("lead", 2, 2),  # 1 d and 2 d: 1–3 d
        StayBucket("lead", 3, 1),  # 4 d: 3–7 d
        StayBucket("marketingqualifiedlead", 2, 1),  # 2.5 d
        StayBucket("marketingqualifiedlead", 5, 1),  # 19 d: 14–30 d
    ]


def test_it_breaks_figures_down_by_lead_source_with_a_group_for_missing_values(store):
    world.seed(store)
    report = build_report(store, PERIOD, NOW, by="source")
    assert list(report.groups) == ["ORGANIC_SEARCH", "PAID_SEARCH", "(none)"]
    organic, paid, unknown = report.groups.values()
    assert (organic.funnel["lead"], organic.funnel["marketingqualifiedlead"]) == (1, 2)
    assert paid.funnel["salesqualifiedlead"] == 1
    assert unknown.funnel["lead"] == 2
    assert organic.time_in_stage[0] == StageTime("lead", 2, 1.5 * DAY, pytest.approx(1.9 * DAY))
    assert paid.follow_up.recycled == 1
    assert report.overall == build_report(store, PERIOD, NOW).overall


def test_it_reports_an_empty_period_as_zeros_and_missing_rates(store):
    world.seed(store)
    empty = Period(datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 2, 1, tzinfo=UTC))
    report = build_report(store, empty, NOW, by="persona")
    assert set(report.overall.funnel.values()) == {0}
    assert all(c.rate is None for c in report.overall.conversions)
    assert all(t.median is None and t.p90 is None for t in report.overall.time_in_stage)
    assert report.overall.nurture == []
    assert report.groups == {}
    assert all(w.cohort == 0 for w in report.weekly["lead", "marketingqualifiedlead"])


def test_it_refuses_an_unknown_breakdown(store):
    with pytest.raises(ValueError, match="cannot break a report down by 'colour'"):
        build_report(store, PERIOD, NOW, by="colour")
