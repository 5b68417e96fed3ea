"""The rate limiter's window math and the fault rule parser, table-driven."""

from __future__ import annotations

import pytest

from connector.sandbox.limits import FaultInjector, RateLimiter, parse_fault, rolling_window


@pytest.mark.parametrize(
    ("hits", "now", "limit", "allowed", "remaining"),
    [
        ([], 0, 3, True, 2),  # an empty window admits and leaves limit-1
        ([1, 2], 5, 3, True, 0),  # the last free slot
        ([1, 2, 3], 5, 3, False, 0),  # full
        ([0, 2, 3], 10_000, 3, True, 0),  # a hit exactly one window ago has left it
        ([1, 2, 3], 10_003, 3, True, 2),  # everything has left the window
        ([9_999, 10_000], 19_998, 2, False, 0),  # both still inside
    ],
)
def test_it_admits_a_request_only_while_the_rolling_window_has_room(
    hits, now, limit, allowed, remaining
):
    decision = rolling_window(hits, now, 10_000, limit)

    assert (decision.allowed, decision.remaining) == (allowed, remaining)


def test_it_counts_each_token_separately():
    limiter = RateLimiter(ten_second_limit=1, search_per_second=1, daily_limit=100)

    first = limiter.check("a", 0, search=False, exempt=False)
    second = limiter.check("a", 1, search=False, exempt=False)
    other = limiter.check("b", 1, search=False, exempt=False)

    assert first.refusal is None and other.refusal is None
    assert second.refusal["policyName"] == "TEN_SECONDLY_ROLLING"


@pytest.mark.parametrize(
    ("calls", "search", "policy"),
    [
        (3, False, "TEN_SECONDLY_ROLLING"),  # the burst window
        (3, True, "SECONDLY"),  # search's own per-second limit
    ],
)
def test_it_names_the_policy_that_refused(calls, search, policy):
    limiter = RateLimiter(ten_second_limit=2, search_per_second=2, daily_limit=100)

    verdicts = [limiter.check("t", 0, search=search, exempt=False) for _ in range(calls)]

    assert verdicts[-1].refusal["policyName"] == policy
    assert verdicts[-1].refusal["message"].startswith("You have reached your")


def test_it_resets_the_daily_count_at_midnight_utc():
    limiter = RateLimiter(ten_second_limit=100, search_per_second=100, daily_limit=2)
    day = 86_400_000

    verdicts = [
        limiter.check("t", at, search=False, exempt=False) for at in (0, 20_000, 40_000, day)
    ]

    assert [v.refusal["policyName"] if v.refusal else None for v in verdicts] == [
        None,
        None,
        "DAILY",
        None,
    ]


@pytest.mark.parametrize(
    ("text", "kind", "rate", "pattern", "delay"),
    [
        ("503:0.1", "503", 0.1, "*", 2.0),  # pattern defaults to every path
        ("429:1:/crm/*", "429", 1.0, "/crm/*", 2.0),  # a path pattern
        (
            "slow:0.5:POST /crm/*:0.2",
            "slow",
            0.5,
            "POST /crm/*",
            0.2,
        ),  # method + path, custom delay
    ],
)
def test_it_parses_fault_rules(text, kind, rate, pattern, delay):
    rule = parse_fault(text)

    assert (rule.kind, rule.rate, rule.pattern, rule.delay_s) == (kind, rate, pattern, delay)


@pytest.mark.parametrize("text", ["boom:0.1", "503", "503:2"])
def test_it_refuses_malformed_fault_rules(text):
    with pytest.raises(ValueError):
        parse_fault(text)


def test_it_draws_the_same_faults_for_the_same_seed():
    def run(seed):
        injector = FaultInjector([parse_fault("500:0.5")], seed)
        return [injector.draw("GET", "/crm/v3/objects/contacts") is not None for _ in range(20)]

    assert run(7) == run(7)
    assert run(7) != run(8)
