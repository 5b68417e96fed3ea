"""A broken config names every problem as `file:line: field path: message`."""

from __future__ import annotations

import pytest

from connector.workflows import ConfigError, parse_config

SCORING = """\
models:
  - id: default
    fit:
      - id: title
        label: Title
        property: jobtitle
        regex: 'vp'
        points: 10
    engagement:
      - id: pricing
        label: Pricing
        activity: page_view
        match: {url: '/pricing'}
        points: 5
"""
LIFECYCLE = """\
stages:
  lead:
    signals:
      - id: form
        label: Form
        when: {activity: form_submission}
"""
SCORING_FILE, LIFECYCLE_FILE = "scoring.yaml", "lifecycle.yaml"


def edit(name: str, old: str, new: str) -> dict[str, str]:
    """The valid config with one replacement in one file."""
    files = {SCORING_FILE: SCORING, LIFECYCLE_FILE: LIFECYCLE}
    assert old in files[name]
    files[name] = files[name].replace(old, new, 1)
    return files


def errors_of(files: dict[str, str | bytes]) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        parse_config(files, origin="config/")
    return list(raised.value.errors)


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        # an unknown key, with the keys allowed there
        (
            edit(SCORING_FILE, "        points: 10\n", "        points: 10\n        weight: 3\n"),
            [
                "config/scoring.yaml:9: models[0].fit[0].weight: unknown key 'weight'"
                " (expected one of:"
                " equals, id, in, label, max, min, points, present, property, regex)"
            ],
        ),
        # a misspelt key: the required one is missing and the typo is named
        (
            edit(SCORING_FILE, "points: 10", "pionts: 10"),
            [
                "config/scoring.yaml:4: models[0].fit[0].points: is required",
                "config/scoring.yaml:8: models[0].fit[0].pionts: unknown key 'pionts'"
                " (did you mean 'points'?)",
            ],
        ),
        # a wrong type
        (
            edit(SCORING_FILE, "points: 10", "points: ten"),
            [
                "config/scoring.yaml:8: models[0].fit[0].points: should be a valid number,"
                " unable to parse string as a number"
            ],
        ),
        # an unknown stage
        (
            edit(LIFECYCLE_FILE, "  lead:", "  mql:"),
            [
                "config/lifecycle.yaml:2: stages.mql: unknown stage 'mql' (expected one of:"
                " lead, marketingqualifiedlead, salesqualifiedlead)"
            ],
        ),
        # a bad regex on a property
        (
            edit(SCORING_FILE, "regex: 'vp'", "regex: 'vp('"),
            [
                "config/scoring.yaml:7: models[0].fit[0].regex: bad regex:"
                " missing ), unterminated subpattern at position 2"
            ],
        ),
        # a bad regex on an activity detail
        (
            edit(SCORING_FILE, "{url: '/pricing'}", "{url: '[a-'}"),
            [
                "config/scoring.yaml:13: models[0].engagement[0].match.url: bad regex:"
                " unterminated character set at position 0"
            ],
        ),
        # an unknown kind of activity
        (
            edit(SCORING_FILE, "activity: page_view", "activity: page_visit"),
            [
                "config/scoring.yaml:12: models[0].engagement[0].activity: should be 'page_view',"
                " 'form_submission', 'email_open', 'email_click', 'email_reply', 'hard_bounce',"
                " 'unsubscribed', 'webinar_registered', 'webinar_attended' or 'meeting_booked'"
            ],
        ),
        # a property rule without a test, or with two
        (
            edit(SCORING_FILE, "        regex: 'vp'\n", ""),
            [
                "config/scoring.yaml:4: models[0].fit[0]: give exactly one test:"
                " equals, in, regex, min/max or present"
            ],
        ),
        (
            edit(SCORING_FILE, "        regex: 'vp'\n", "        regex: 'vp'\n        equals: x\n"),
            [
                "config/scoring.yaml:4: models[0].fit[0]: give exactly one test:"
                " equals, in, regex, min/max or present (found equals and regex)"
            ],
        ),
        # a condition with none of its keys
        (
            edit(LIFECYCLE_FILE, "{activity: form_submission}", "{kind: form_submission}"),
            [
                "config/lifecycle.yaml:6: stages.lead.signals[0].when: a condition is a mapping"
                " with one of the keys property, activity, any or all"
            ],
        ),
        # a misspelt key inside a condition
        (
            edit(
                LIFECYCLE_FILE,
                "{activity: form_submission}",
                "{activity: form_submission, matches: {}}",
            ),
            [
                "config/lifecycle.yaml:6: stages.lead.signals[0].when.matches:"
                " unknown key 'matches'"
                " (did you mean 'match'?)"
            ],
        ),
        # YAML that does not parse
        (
            edit(SCORING_FILE, "{url: '/pricing'}", "{url: '/pricing'"),
            ["config/scoring.yaml:14: expected ',' or '}', but got '<scalar>'"],
        ),
        (
            edit(SCORING_FILE, "  - id: default", "\t- id: default"),
            ["config/scoring.yaml:2: found character '\\t' that cannot start any token"],
        ),
        # a key given twice
        (
            edit(SCORING_FILE, "        points: 5\n", "        points: 5\n        points: 6\n"),
            [
                'config/scoring.yaml:15: found duplicate key "points" with value "6"'
                ' (original value: "5")'
            ],
        ),
        # an id given twice in one list
        (
            edit(
                SCORING_FILE,
                "id: pricing",
                "id: pricing\n        label: P\n        activity: email_open\n"
                "        points: 1\n      - id: pricing",
            ),
            ["config/scoring.yaml:14: models[0].engagement[1].id: id 'pricing' is used twice"],
        ),
        # a required file missing, empty, or not a mapping
        ({SCORING_FILE: SCORING}, ["config/lifecycle.yaml:1: the file is missing"]),
        (
            {SCORING_FILE: SCORING, LIFECYCLE_FILE: ""},
            ["config/lifecycle.yaml:1: the file is empty"],
        ),
        (
            {SCORING_FILE: "- a\n", LIFECYCLE_FILE: LIFECYCLE},
            ["config/scoring.yaml:1: the file must hold a mapping of keys"],
        ),
        (
            {SCORING_FILE: b"models: \xff\n", LIFECYCLE_FILE: LIFECYCLE},
            ["config/scoring.yaml:1: not UTF-8 text (invalid start byte)"],
        ),
        # a control character pasted from a document (found by the reliability fuzzer)
        (
            edit(LIFECYCLE_FILE, "label: Form", "label: Fo\x97rm"),
            [
                "config/lifecycle.yaml:5: character U+0097 is not allowed in YAML"
                " (special characters are not allowed)"
            ],
        ),
        # a YAML file nobody reads is probably a misspelt name
        (
            {**edit(SCORING_FILE, "", ""), "scorng.yaml": "models: []\n"},
            [
                "config/scorng.yaml:1: unknown config file"
                " (expected: lifecycle.yaml, nurture.yaml, routing.yaml, scoring.yaml)"
            ],
        ),
        # a list or mapping where the other is expected
        (
            edit(LIFECYCLE_FILE, "  lead:\n", "  lead: []\n  x:\n"),
            [
                "config/lifecycle.yaml:2: stages.lead: should be a mapping (key: value lines)",
                "config/lifecycle.yaml:3: stages.x: unknown stage 'x' (expected one of:"
                " lead, marketingqualifiedlead, salesqualifiedlead)",
            ],
        ),
    ],
)
def test_it_names_file_line_and_field_of_each_problem(files, expected: list[str]) -> None:
    assert errors_of(files) == expected


MORE_MODELS = "  - id: busy\n    segment: {property: country, equals: DE}\n  - id: default\n"


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        # the default model must come last, and only it may leave out a segment
        (
            edit(
                SCORING_FILE,
                "  - id: default\n",
                "  - id: default\n    segment: {property: x, present: true}\n",
            ),
            [
                "config/scoring.yaml:3: models[0].segment: the last model is the default:"
                " remove its segment"
            ],
        ),
        (
            edit(
                SCORING_FILE, "  - id: default\n", "  - id: first\n    fit: []\n  - id: default\n"
            ),
            [
                "config/scoring.yaml:2: models[0]: only the last model may leave out `segment`"
                " (it is the default model)"
            ],
        ),
        # a segment looks at properties only
        (
            edit(
                SCORING_FILE,
                "  - id: default\n",
                MORE_MODELS.replace(
                    "{property: country, equals: DE}",
                    "{any: [{property: c, equals: DE}, {activity: page_view}]}",
                ),
            ),
            [
                "config/scoring.yaml:3: models[0].segment.any[1]:"
                " a segment can only test properties,"
                " not activity"
            ],
        ),
        # a stage that can never be earned
        (
            edit(LIFECYCLE_FILE, "  lead:\n", "  marketingqualifiedlead: {}\n  lead:\n"),
            [
                "config/lifecycle.yaml:2: stages.marketingqualifiedlead: give min_score or signals,"
                " or this stage can never be earned"
            ],
        ),
        # a checklist asking for more items than it has
        (
            {
                SCORING_FILE: SCORING,
                LIFECYCLE_FILE: LIFECYCLE
                + (
                    "  salesqualifiedlead:\n    at_least: 3\n    checklist:\n"
                    "      - {id: a, label: A, when: {property: x, present: true}}\n"
                ),
            },
            [
                "config/lifecycle.yaml:8: stages.salesqualifiedlead.at_least: is more than the"
                " 1 checklist items"
            ],
        ),
        # a persona after a catch-all one
        (
            {
                SCORING_FILE: SCORING,
                LIFECYCLE_FILE: LIFECYCLE
                + (
                    "personas:\n  - {id: all, label: All}\n"
                    "  - {id: vp, label: VP, when: {property: jobtitle, regex: vp}}\n"
                ),
            },
            [
                "config/lifecycle.yaml:9: personas[1]: can never match: persona 'all' before it"
                " has no `when` and matches everyone"
            ],
        ),
        # ids and property names an admin may mistype
        (
            edit(SCORING_FILE, "id: title", "id: 'job title'"),
            ["config/scoring.yaml:4: models[0].fit[0].id: use 1 to 64 letters, digits, '_' or '-'"],
        ),
        (
            edit(SCORING_FILE, "property: jobtitle", "property: Job Title"),
            [
                "config/scoring.yaml:6: models[0].fit[0].property:"
                " a HubSpot property's internal name:"
                " lower-case letters, digits and '_'"
            ],
        ),
    ],
)
def test_it_checks_what_only_the_whole_file_can_tell(files, expected: list[str]) -> None:
    assert errors_of(files) == expected


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        # lifecycle.yaml naming a scoring model scoring.yaml does not define
        (
            {
                SCORING_FILE: SCORING,
                LIFECYCLE_FILE: LIFECYCLE
                + ("  marketingqualifiedlead:\n    min_score_by_model: {enterprize: 50}\n"),
            },
            [
                "config/lifecycle.yaml:8:"
                " stages.marketingqualifiedlead.min_score_by_model.enterprize:"
                " unknown scoring model 'enterprize' (scoring.yaml has: default)"
            ],
        ),
        # nurture.yaml naming an email template that is not in emails/
        (
            {
                SCORING_FILE: SCORING,
                LIFECYCLE_FILE: LIFECYCLE,
                "nurture.yaml": "steps:\n  - id: welcome\n    template: welcome.html\n"
                "  - id: follow_up\n    delay_days: 3\n    template: follow-up.html\n",
                "emails/welcome.html": "<p>Welcome</p>",
            },
            [
                "config/nurture.yaml:6: steps[1].template:"
                " no email template 'emails/follow-up.html'"
                " in the config directory"
            ],
        ),
    ],
)
def test_it_checks_references_across_files(files, expected: list[str]) -> None:
    assert errors_of(files) == expected


def test_it_reports_every_problem_at_once() -> None:
    files = edit(SCORING_FILE, "regex: 'vp'", "regex: '('")
    files[LIFECYCLE_FILE] = LIFECYCLE.replace("  lead:", "  leed:")
    assert [line.split(":")[0] for line in errors_of(files)] == [
        "config/lifecycle.yaml",
        "config/scoring.yaml",
    ]
