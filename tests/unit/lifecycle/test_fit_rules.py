"""Fit rules: each property test type, odd values, negative points and the fit cap."""

from __future__ import annotations

import pytest

from tests.unit.lifecycle.world import contact, evaluate_now, one_model, ruleset


def fit_of(test: str, value: str | None, points: int = 10) -> float:
    rule = f"[{{id: r, label: Rule, property: p, {test}, points: {points}}}]"
    properties = {} if value is None else {"p": value}
    return evaluate_now(contact(**properties), [], ruleset(one_model(fit=rule))).fit


@pytest.mark.parametrize(
    ("test", "value", "expected"),
    [
        # equals ignores case and surrounding spaces
        ("equals: Director", "  director ", 10),
        # equals is the whole value, not a part of it
        ("equals: Director", "Director of Sales", 0),
        # a number in YAML is compared as the text HubSpot stores
        ("equals: 42", "42", 10),
        # in: any one of the values, ignoring case
        ("in: [DE, FR]", "fr", 10),
        ("in: [DE, FR]", "NL", 0),
        # regex searches anywhere and ignores case
        ("regex: '\\bvp\\b'", "Senior VP, Sales", 10),
        ("regex: '\\bvp\\b'", "MVP builder", 0),
        # min and max are inclusive
        ("min: 50, max: 999", "50", 10),
        ("min: 50, max: 999", "999", 10),
        ("min: 50, max: 999", "1000", 0),
        # a range with one bound only
        ("min: 1000", "25000", 10),
        ("max: 10", "-3", 10),
        # numbers as HubSpot may store them
        ("min: 1000", " 1e3 ", 10),
        ("min: 1000", "2500.75", 10),
        # what is not a finite number never matches a range
        ("min: 0", "about 50", 0),
        ("min: 0", "nan", 0),
        ("min: 0", "inf", 0),
        ("min: 0", "", 0),
        # present: a value that is not only spaces
        ("present: true", "Acme", 10),
        ("present: true", "   ", 0),
        # present: false matches an empty or missing property
        ("present: false", "", 10),
        ("present: false", None, 10),
        # a missing property is the empty string: it fails equals...
        ("equals: x", None, 0),
        # ...and passes a regex that accepts the empty string
        ("regex: '^$'", None, 10),
    ],
)
def test_it_scores_each_property_test(test: str, value: str | None, expected: int) -> None:
    assert fit_of(test, value) == expected


def test_it_subtracts_negative_points() -> None:
    assert fit_of("regex: '@gmail\\.'", "ann@gmail.com", points=-15) == -15


def test_it_adds_every_rule_that_holds_up_to_the_fit_cap() -> None:
    rules = """[{id: title, label: Title, property: jobtitle, regex: director, points: 30},
                {id: size, label: Size, property: numemployees, min: 50, points: 30},
                {id: mail, label: Mail, property: email, regex: gmail, points: -15}]"""
    capped = ruleset(one_model(fit=rules, caps="{fit: 50}"))
    director = contact(jobtitle="Director", numemployees="100", email="d@acme.io")
    assert evaluate_now(director, [], capped).fit == 50
    free_mail = contact(jobtitle="Director", numemployees="100", email="d@gmail.com")
    assert evaluate_now(free_mail, [], capped).fit == 45


def test_it_names_each_fit_rule_with_the_value_that_matched() -> None:
    rules = "[{id: title, label: Senior title, property: jobtitle, regex: vp, points: 20}]"
    evaluation = evaluate_now(contact(jobtitle="VP Sales"), [], ruleset(one_model(fit=rules)))
    [reason] = evaluation.score_reasons
    assert (reason.rule_id, reason.points) == ("fit.title", 20)
    assert reason.describe() == "Senior title (+20): jobtitle = 'VP Sales'"


SEGMENTED = """
models:
  - id: enterprise
    segment: {property: numemployees, min: 1000}
    fit: [{id: big, label: Big, property: numemployees, min: 0, points: 30}]
  - id: germany
    segment: {all: [{property: country, equals: Germany}, {property: industry, present: true}]}
    fit: [{id: de, label: DE, property: country, present: true, points: 20}]
  - id: default
    fit: [{id: any, label: Any, property: email, present: true, points: 5}]
"""


@pytest.mark.parametrize(
    ("properties", "model", "fit"),
    [
        # the first model whose segment matches scores the contact
        ({"numemployees": "5000", "country": "Germany", "industry": "RETAIL"}, "enterprise", 30),
        # a segment of several conditions needs all of them
        ({"numemployees": "20", "country": "Germany", "industry": "RETAIL"}, "germany", 20),
        ({"numemployees": "20", "country": "Germany", "email": "a@b.de"}, "default", 5),
        # the last model catches everyone else, whatever they lack
        ({}, "default", 0),
    ],
)
def test_it_scores_with_the_first_model_whose_segment_matches(
    properties: dict[str, str], model: str, fit: float
) -> None:
    evaluation = evaluate_now(contact(**properties), [], ruleset(SEGMENTED))
    assert (evaluation.model, evaluation.fit) == (model, fit)
