"""A small named world for engine tests: a clock, contacts, activity and rulesets.

Rulesets are built from YAML the way admins write it, so each test reads like
the config it exercises.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache
from itertools import count
from pathlib import Path
from textwrap import dedent

from connector.domain import Activity, ActivityKind, Contact
from connector.lifecycle import Evaluation, Ruleset, evaluate
from connector.workflows import load_config, parse_config

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
SHIPPED_CONFIG = Path(__file__).resolve().parents[3] / "config"

# The smallest valid lifecycle.yaml: only a lead rule.
LEAD_ONLY = """
stages:
  lead:
    signals:
      - id: any_form
        label: Filled in a form
        when: {activity: form_submission}
"""


def contact(contact_id: str = "c1", **properties: str) -> Contact:
    return Contact(contact_id, properties)


_source_ids = count(1)


def activity(kind: str, days_ago: float = 1, **details: str) -> Activity:
    """An activity of contact c1, `days_ago` days before NOW."""
    when = NOW - timedelta(days=days_ago)
    return Activity("c1", ActivityKind(kind), when, f"event-{next(_source_ids)}", details)


def ruleset(scoring: str, lifecycle: str = LEAD_ONLY) -> Ruleset:
    """Compile config text as an admin would write it."""
    files = {"scoring.yaml": dedent(scoring), "lifecycle.yaml": dedent(lifecycle)}
    return parse_config(files).ruleset


def one_model(fit: str = "[]", engagement: str = "[]", **keys: str) -> str:
    """scoring.yaml with one model: rule lists and other keys as YAML flow text."""
    lines = [
        f"    {key}: {value}"
        for key, value in {"fit": fit, "engagement": engagement, **keys}.items()
    ]
    return "models:\n  - id: only\n" + "\n".join(lines) + "\n"


@cache
def shipped() -> Ruleset:
    """The default config that ships in config/."""
    return load_config(SHIPPED_CONFIG).ruleset


def evaluate_now(
    person: Contact, activities: list[Activity], rules: Ruleset, **options
) -> Evaluation:
    return evaluate(person, activities, rules, NOW, **options)
