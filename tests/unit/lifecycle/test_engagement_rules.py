"""Engagement rules: kinds and detail filters, caps, windows, decay and penalties."""

from __future__ import annotations

import pytest

from connector.domain import Activity
from tests.unit.lifecycle.world import activity, contact, evaluate_now, one_model, ruleset

PRICING = (
    "{id: pricing, label: Pricing page, activity: page_view, match: {url: '/pricing'}, points: 8"
)
RULES = {
    "pricing": PRICING + "}",
    "pricing capped": PRICING + ", cap: 20}",
    "pricing in 30 days": PRICING + ", within_days: 30}",
    "contact form": (
        "{id: form, label: Form, activity: form_submission,"
        " match: {form_name: 'contact', challenge: '\\w'}, points: 30}"
    ),
    "webinar": "{id: webinar, label: Webinar, activity: webinar_attended, points: 15}",
    "unsubscribe": "{id: unsub, label: Unsubscribed, activity: unsubscribed, points: -20}",
    "unsubscribe capped": "{id: u, label: Unsub, activity: unsubscribed, points: -20, cap: 25}",
}


def engagement_of(rule: str, activities: list[Activity], **model_keys: str) -> float:
    rules = ruleset(one_model(engagement=f"[{RULES[rule]}]", **model_keys))
    return evaluate_now(contact(), activities, rules).engagement


@pytest.mark.parametrize(
    ("rule", "activities", "expected"),
    [
        # each matching activity earns the rule's points
        ("pricing", [activity("page_view", url="https://x.io/pricing")] * 2, 16),
        # the detail regex filters: a blog page is not the pricing page
        ("pricing", [activity("page_view", url="https://x.io/blog/pricing-tips-1")], 8),
        ("pricing", [activity("page_view", url="https://x.io/blog/")], 0),
        # another kind of activity never matches
        ("pricing", [activity("email_click", url="https://x.io/pricing")], 0),
        # the rule's cap bounds what it earns in all
        ("pricing capped", [activity("page_view", url="/pricing")] * 5, 20),
        # a window drops older activity
        (
            "pricing in 30 days",
            [activity("page_view", 31, url="/pricing"), activity("page_view", 29, url="/pricing")],
            8,
        ),
        # every detail regex must match
        (
            "contact form",
            [activity("form_submission", form_name="Contact us", challenge="slow")],
            30,
        ),
        ("contact form", [activity("form_submission", form_name="Contact us")], 0),
        # a rule without detail filters counts every activity of its kind
        ("webinar", [activity("webinar_attended", event_name="Launch")], 15),
        # penalties count in full
        ("unsubscribe", [activity("unsubscribed")] * 2, -40),
        # and a cap bounds a penalty too
        ("unsubscribe capped", [activity("unsubscribed")] * 2, -25),
        # activity dated after `now` (clock skew) counts as new
        ("webinar", [activity("webinar_attended", -0.5)], 15),
    ],
)
def test_it_scores_each_engagement_rule(
    rule: str, activities: list[Activity], expected: float
) -> None:
    assert engagement_of(rule, activities) == expected


@pytest.mark.parametrize(
    ("days_ago", "expected"),
    [
        # today's activity is worth its full points
        (0, 16),
        # after one half-life it is worth half
        (30, 8),
        # after two, a quarter
        (60, 4),
    ],
)
def test_it_halves_positive_points_every_half_life(days_ago: float, expected: float) -> None:
    pages = [activity("page_view", days_ago, url="/pricing")] * 2
    assert engagement_of("pricing", pages, decay="{half_life_days: 30}") == expected


def test_it_never_fades_a_penalty() -> None:
    old = [activity("unsubscribed", 300)]
    assert engagement_of("unsubscribe", old, decay="{half_life_days: 30}") == -20


def test_it_caps_total_engagement() -> None:
    rules = ruleset(
        one_model(engagement=f"[{RULES['pricing']}, {RULES['webinar']}]", caps="{engagement: 20}")
    )
    busy = [activity("page_view", url="/pricing"), activity("webinar_attended")]
    assert evaluate_now(contact(), busy, rules).engagement == 20


def test_it_shows_the_latest_matching_activity_and_how_many_matched() -> None:
    rules = ruleset(one_model(engagement=f"[{RULES['pricing']}]"))
    pages = [
        activity("page_view", 3, url="https://x.io/pricing?plan=team"),
        activity("page_view", 1, url="https://x.io/pricing"),
        activity("page_view", 2, url="https://x.io/pricing#faq"),
    ]
    [reason] = evaluate_now(contact(), pages, rules).score_reasons
    assert reason.describe() == (
        "Pricing page (+24): page_view https://x.io/pricing on 2026-11-22 (3×)"
    )
