"""routing.yaml: the defaults without it, and what an admin sees for each mistake."""

from __future__ import annotations

import pytest

from connector.workflows.planner import routing_of
from tests.unit.workflows.planner_world import config_of, edit, errors_of, shipped_files

TEAM = "team: []\n"
SQL_SUBJECT = 'subject: "Call {{ name }}: sales-qualified lead"'


def test_it_is_optional_with_a_task_for_every_sql_by_default() -> None:
    files = {name: raw for name, raw in shipped_files().items() if name != "routing.yaml"}
    routing = routing_of(config_of(files))
    assert routing.team == []
    assert routing.sql_call.tier(0).within_business_hours == 4
    assert routing.mql_call.enabled
    assert routing.business_hours.time_zone == "UTC"


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        # an owner written by name instead of HubSpot's owner id
        (
            edit("routing.yaml", TEAM, "team:\n  - owner_id: sam\n"),
            "config/routing.yaml:33: team[0].owner_id: 'sam' is not a HubSpot owner id:"
            " the digits HubSpot shows for the owner (Settings > Users & Teams), e.g. '6166860';"
            " or give `email:` instead",
        ),
        # a rep without owner_id or email
        (
            edit("routing.yaml", TEAM, "team:\n  - weight: 2\n"),
            "config/routing.yaml:33: team[0]: give the owner_id or the email of the owner"
            " (one of them)",
        ),
        # the same rep twice (emails compare without case)
        (
            edit("routing.yaml", TEAM, "team:\n  - email: sam@x.com\n  - email: Sam@X.com\n"),
            "config/routing.yaml:34: team[1]: 'sam@x.com' is in the team twice",
        ),
        # an email address that is not one
        (
            edit("routing.yaml", TEAM, "team:\n  - email: sam\n"),
            "config/routing.yaml:33: team[0].email: 'sam' is not an email address",
        ),
        # a weight of zero would never get a lead: use `available: false`
        (
            edit("routing.yaml", TEAM, "team:\n  - email: sam@x.com\n    weight: 0\n"),
            "config/routing.yaml:34: team[0].weight: should be greater than 0",
        ),
        # a priority HubSpot does not have
        (
            edit("routing.yaml", "priority: LOW", "priority: URGENT"),
            "config/routing.yaml:59: mql_call.priority: should be 'NONE', 'LOW', 'MEDIUM'"
            " or 'HIGH'",
        ),
        # the catch-all SLA tier given a threshold: low scores would have no SLA
        (
            edit(
                "routing.yaml",
                "    - within_business_hours: 4",
                "    - min_score: 10\n      within_business_hours: 4",
            ),
            "config/routing.yaml:49: sql_call.sla[1].min_score: the last tier catches every"
            " other score: leave out its min_score",
        ),
        # a tier without threshold before the end would hide the ones below it
        (
            edit("routing.yaml", "    - min_score: 80\n      within", "    - within"),
            "config/routing.yaml:46: sql_call.sla[0].min_score: only the last tier may leave out"
            " min_score",
        ),
        # a subject naming content, which only nurture emails have
        (
            edit("routing.yaml", SQL_SUBJECT, 'subject: "Call {{ content.title }}"'),
            "config/routing.yaml:41: sql_call.subject: unknown name 'content' (here you can use:"
            " contact, email, engagement, fit, name, owner, persona, score)",
        ),
        # business hours that close before they open
        (
            edit("routing.yaml", 'start: "09:00"', 'start: "18:00"'),
            "config/routing.yaml:25: business_hours.end: must be after start (18:00)",
        ),
        # a holiday that is not a date
        (
            edit("routing.yaml", "holidays: [2026-12-25, 2027-01-01]", "holidays: [christmas]"),
            "config/routing.yaml:26: business_hours.holidays[0]: should be a valid date"
            " or datetime, input is too short",
        ),
        # a regex that does not compile
        (
            edit("routing.yaml", "downloads: 'e-?book", "downloads: '(e-?book"),
            "config/routing.yaml:65: task_body.downloads: bad regex: missing ), unterminated"
            " subpattern at position 0",
        ),
        # a history too long to read before a call
        (
            edit("routing.yaml", "history_items: 15", "history_items: 500"),
            "config/routing.yaml:67: task_body.history_items: should be less than or equal to 50",
        ),
    ],
)
def test_it_names_file_line_and_field_of_each_problem(files, expected: str) -> None:
    assert errors_of(files) == [expected]


def test_it_reads_team_members_by_id_or_email() -> None:
    files = edit(
        "routing.yaml",
        TEAM,
        'team:\n  - owner_id: "101"\n    weight: 2\n  - email: Ria.Rep@Example.com\n'
        "    available: false\n",
    )
    team = routing_of(config_of(files)).team
    assert [(m.ref, m.weight, m.available) for m in team] == [
        ("101", 2, True),
        ("ria.rep@example.com", 1, False),
    ]
