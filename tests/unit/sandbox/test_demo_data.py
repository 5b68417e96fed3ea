"""The demo data generator: deterministic, prefix-stable, covering every journey."""

from __future__ import annotations

from collections import Counter

import pytest

from connector.sandbox.demo_data import HISTORY_DAYS, JOURNEYS, generate

NOW = 1_767_225_600_000
DAY = 86_400_000


def test_it_generates_the_same_contacts_for_the_same_seed():
    assert list(generate(100, 7, NOW)) == list(generate(100, 7, NOW))


def test_it_generates_other_contacts_for_another_seed():
    assert [c.properties["email"] for c in generate(20, 1, NOW)] != [
        c.properties["email"] for c in generate(20, 2, NOW)
    ]


def test_a_small_world_is_the_beginning_of_a_large_one():
    assert list(generate(50, 3, NOW)) == list(generate(500, 3, NOW))[:50]


def test_it_covers_every_journey_in_a_few_hundred_contacts():
    journeys = Counter(c.journey for c in generate(500, 1, NOW))

    assert set(journeys) == {name for name, _ in JOURNEYS}


def test_it_gives_every_contact_a_unique_email_and_history_inside_the_window():
    contacts = list(generate(1_000, 1, NOW))
    times = [at for c in contacts for _, at, _ in c.history]

    assert len({c.properties["email"] for c in contacts}) == 1_000
    assert min(times) >= NOW - HISTORY_DAYS * DAY
    assert max(times) < NOW


@pytest.mark.parametrize(
    ("journey", "kinds"),
    [
        ("blog_reader", {"page"}),  # reads, never converts
        ("mql_path", {"page", "form", "attend", "email"}),  # ebook, webinar, email engagement
        ("sql_path", {"page", "form"}),  # pricing and "Contact us"
        ("unsubscriber", {"page", "form", "email"}),  # ends with an unsubscribe
    ],
)
def test_each_journey_leaves_the_activity_it_promises(journey, kinds):
    contact = next(c for c in generate(500, 1, NOW) if c.journey == journey)

    assert {kind for kind, _, _ in contact.history} == kinds


def test_a_sales_qualified_path_states_a_decision_maker_with_challenge_and_budget():
    contact = next(c for c in generate(500, 1, NOW) if c.journey == "sql_path")

    assert contact.properties["hs_buying_role"] == "DECISION_MAKER"
    assert contact.properties["challenge"]
    assert contact.properties["budget"] in ("50k_250k", "over_250k")
    assert [d for kind, _, d in contact.history if kind == "page"][-2:] == [
        ("/site/pricing",),
        ("/site/contact",),
    ]
