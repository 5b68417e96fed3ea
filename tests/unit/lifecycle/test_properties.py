"""Promises that hold for any contact and activity, checked with generated input."""

from __future__ import annotations

import json
import math
from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from connector.domain import Activity, ActivityKind, Contact, Stage, stage_rank
from connector.lifecycle import evaluate, writeback_properties
from tests.unit.lifecycle.world import NOW, shipped

NAMES = (
    "jobtitle",
    "email",
    "numemployees",
    "country",
    "industry",
    "hs_buying_role",
    "challenge",
    "budget",
    "hs_lead_status",
    "leadflow_persona",
    "willing_to_meet",
)
ODD_VALUES = st.sampled_from(
    [
        "",
        " ",
        "nan",
        "-inf",
        "1e309",
        "9" * 5000,
        "VP " * 10_000,
        "Dïrectör 🚀",
        "\x00\n\t",
        "UNQUALIFIED",
        "bad_timing",
        "DECISION_MAKER",
        "1,000",
        "0x10",
        "-0",
    ]
)
VALUES = st.one_of(st.text(max_size=40), ODD_VALUES)
STAGES = st.one_of(st.none(), st.sampled_from([*Stage, "", "custom_stage"]))
PROPERTIES = st.dictionaries(st.one_of(st.sampled_from(NAMES), st.text(max_size=10)), VALUES)
DETAILS = st.dictionaries(
    st.sampled_from(("url", "form_name", "event_name", "email_id", "title")),
    st.one_of(
        st.sampled_from(
            (
                "https://x.io/pricing",
                "https://x.io/blog/a",
                "Contact us",
                "Ebook download",
                "https://x.io/products/",
            )
        ),
        VALUES,
    ),
)


@st.composite
def activities(draw: st.DrawFn, latest_days_ago: float = 0.0) -> list[Activity]:
    """Up to 30 activities, none more recent than `latest_days_ago` days before NOW."""
    drawn = draw(
        st.lists(
            st.tuples(
                st.sampled_from(list(ActivityKind)),
                st.floats(latest_days_ago, 400, allow_nan=False),
                DETAILS,
            ),
            max_size=30,
        )
    )
    return [
        Activity("c1", kind, NOW - timedelta(days=days), f"e{index}", details)
        for index, (kind, days, details) in enumerate(drawn)
    ]


def person(properties: dict[str, str], stage: str | None) -> Contact:
    if stage is not None:
        properties = {**properties, "lifecyclestage": stage}
    return Contact("c1", properties)


@given(PROPERTIES, STAGES, activities(latest_days_ago=-3))
def test_it_accepts_any_property_values(properties, stage, done) -> None:
    evaluation = evaluate(person(properties, stage), done, shipped(), NOW)
    assert math.isfinite(evaluation.score)
    assert len(evaluation.summary) <= 250
    json.dumps(evaluation.to_dict())
    assert all(
        isinstance(value, str) for value in writeback_properties(evaluation, shipped()).values()
    )


@given(PROPERTIES, STAGES, st.lists(activities(), min_size=1, max_size=4))
def test_it_never_moves_a_stage_backwards(properties, stage, batches) -> None:
    """Evaluate as activity arrives, writing each stage back as HubSpot would."""
    current = stage
    seen: list[Activity] = []
    for batch in batches:
        seen += batch
        evaluation = evaluate(person(properties, current), seen, shipped(), NOW)
        if current and stage_rank(current) < 0:
            assert evaluation.stage == current
        assert stage_rank(evaluation.stage) >= stage_rank(current)
        assert (evaluation.transition is None) == (evaluation.stage == (current or None))
        current = evaluation.stage


@given(PROPERTIES, STAGES, activities(latest_days_ago=-3))
def test_it_is_deterministic(properties, stage, done) -> None:
    first = evaluate(person(properties, stage), done, shipped(), NOW)
    again = evaluate(person(properties, stage), list(done), shipped(), NOW)
    assert first == again
    assert first.to_dict() == again.to_dict()


@given(PROPERTIES, activities(), st.floats(0, 1000, allow_nan=False))
def test_it_never_raises_a_score_by_time_passing(properties, done, days_later) -> None:
    properties.pop("hs_lead_status", None)
    contact = Contact("c1", properties)
    earlier = evaluate(contact, done, shipped(), NOW)
    later = evaluate(contact, done, shipped(), NOW + timedelta(days=days_later))
    assert later.engagement <= earlier.engagement
    assert later.score <= earlier.score
