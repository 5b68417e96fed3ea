"""What `plan()` costs per evaluated contact, next to what `evaluate()` costs.

`plan()` runs after every evaluation (20,000 contacts per sync), so the case
that matters is the contact for which nothing changed: its write-back is
already in HubSpot and its nurture steps are planned. Also timed: a new lead
enrolled in nurture (three emails planned) and a new SQL (CALL task with its
body, round robin, write-back). Synthetic contacts with 30 activities each;
only the timed calls are inside the clock.

    .venv/bin/python benchmarks/planner.py [--contacts 5000]
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from connector.domain import Activity, ActivityKind, Contact, Owner
from connector.lifecycle import evaluate
from connector.workflows import ContactState, FunnelState, PlannedStep, load_config, plan

CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
OWNERS = [Owner(str(100 + n), f"rep{n}@example.com", f"Rep{n}", "Seller") for n in range(4)]
FUNNEL = FunnelState(OWNERS, {}, new_leads_today=100)


def contact(number: int, sql: bool) -> tuple[Contact, list[Activity]]:
    """A new lead who downloaded an ebook today; an SQL also asked for a demo."""
    contact_id = f"c{number}"
    properties = {"email": f"{contact_id}@acme.example", "firstname": "Jane", "lastname": "Doe"}
    if sql:
        properties |= {"jobtitle": "Director", "budget": "yes", "challenge": "Slow follow-up"}
    activities = [
        Activity(
            contact_id,
            ActivityKind.PAGE_VIEW,
            NOW - timedelta(days=day, hours=number % 7),
            f"{contact_id}-{day}",
            {"url": f"https://www.example.com/{'pricing' if day % 9 == 0 else 'blog'}/{day}"},
        )
        for day in range(30, 2, -1)
    ]
    forms = ["Ebook download", "Request a demo"] if sql else ["Ebook download"]
    activities += [
        Activity(
            contact_id,
            ActivityKind.FORM_SUBMISSION,
            NOW - timedelta(minutes=10 - n),
            f"{contact_id}-form-{n}",
            {"form_name": form},
        )
        for n, form in enumerate(forms)
    ]
    return Contact(contact_id, properties), activities


def state(who: Contact, activities, written=None, nurture=()) -> ContactState:
    return ContactState(who, activities, written or {}, list(nurture), 0, 0)


def timed(calls) -> float:
    start = time.perf_counter()
    for call in calls:
        call()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=5000)
    count = parser.parse_args().contacts
    config = load_config(CONFIG_DIR)
    rules = config.ruleset

    leads = [contact(n, sql=False) for n in range(count)]
    evaluations = [evaluate(c, a, rules, NOW) for c, a in leads]
    evaluate_s = timed([lambda c=c, a=a: evaluate(c, a, rules, NOW) for c, a in leads])

    enrol_s = timed(
        [
            lambda e=e, c=c, a=a: plan(e, state(c, a), FUNNEL, config, "t", NOW)
            for e, (c, a) in zip(evaluations, leads, strict=True)
        ]
    )

    settled = []
    for evaluation, (who, activities) in zip(evaluations, leads, strict=True):
        first = plan(evaluation, state(who, activities), FUNNEL, config, "t", NOW)
        written = first.effects[0].payload["properties"]
        steps = [
            PlannedStep(e.idempotency_key, e.payload["step"], "pending", e.due_at)
            for e in first.effects[1:]
        ]
        now_contact = Contact(who.id, {**who.properties, **written})
        later = evaluate(now_contact, activities, rules, NOW)
        settled.append((later, state(now_contact, activities, written, steps)))
    quiet_s = timed([lambda e=e, s=s: plan(e, s, FUNNEL, config, None, NOW) for e, s in settled])
    changed = sum(bool(plan(e, s, FUNNEL, config, None, NOW).effects) for e, s in settled)

    sqls = [contact(n, sql=True) for n in range(count)]
    sql_evaluations = [evaluate(c, a, rules, NOW) for c, a in sqls]
    sql_s = timed(
        [
            lambda e=e, c=c, a=a: plan(e, state(c, a), FUNNEL, config, f"t:{c.id}:sql:0", NOW)
            for e, (c, a) in zip(sql_evaluations, sqls, strict=True)
        ]
    )

    per = 1e6 / count
    print(f"contacts: {count}, 30 activities each, shipped config")
    print(f"evaluate():                         {evaluate_s * per:7.1f} us/contact")
    print(
        f"plan(), nothing changed:            {quiet_s * per:7.1f} us/contact"
        f"  ({quiet_s / evaluate_s:.2f} x evaluate; {changed} planned anything)"
    )
    print(
        f"plan(), new lead enrolled:          {enrol_s * per:7.1f} us/contact"
        f"  ({enrol_s / evaluate_s:.2f} x evaluate)"
    )
    print(
        f"plan(), new SQL with its CALL task: {sql_s * per:7.1f} us/contact"
        f"  ({sql_s / evaluate_s:.2f} x evaluate)"
    )
    print(f"20,000 unchanged contacts per sync: {quiet_s / count * 20_000:.2f} s of planning")


if __name__ == "__main__":
    main()
