"""How many contacts per second `evaluate` scores on one core with the shipped config.

Synthetic contacts (about 20 activities each, realistic kinds, pages and forms)
are generated in chunks outside the timed section; only `evaluate` is timed.
Target: at least 25,000 contacts/s. With `--simulate`, it also times
`simulate` (every contact evaluated with the shipped config and with a
candidate whose MQL threshold is 10 points lower) and projects the time for
1,000,000 stored contacts, reading from the store aside (target: 2 minutes).

    .venv/bin/python benchmarks/scoring.py --contacts 1000000 [--simulate]
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from connector.domain import Activity, ActivityKind, Contact
from connector.lifecycle import ContactFacts, Ruleset, evaluate, simulate
from connector.workflows import load_config, parse_config, read_config_files

TARGET_PER_SECOND = 25_000
CHUNK = 5_000
CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"

KINDS = (
    [ActivityKind.PAGE_VIEW] * 55
    + [ActivityKind.EMAIL_OPEN] * 15
    + [ActivityKind.EMAIL_CLICK] * 8
    + [ActivityKind.FORM_SUBMISSION] * 8
    + [ActivityKind.WEBINAR_REGISTERED] * 3
    + [ActivityKind.WEBINAR_ATTENDED] * 3
    + [ActivityKind.EMAIL_REPLY] * 3
    + [ActivityKind.MEETING_BOOKED] * 2
    + [ActivityKind.UNSUBSCRIBED] * 2
    + [ActivityKind.HARD_BOUNCE] * 1
)
SECTIONS = ("blog", "blog", "blog", "product", "features", "docs", "careers", "integrations")
PAGES = [
    f"https://www.example.com/{random.Random(i).choice(SECTIONS)}/page-{i}" for i in range(400)
]
PAGES += [
    "https://www.example.com/pricing",
    "https://www.example.com/",
    "https://www.example.com/about",
]
FORMS = (
    "Newsletter signup",
    "Ebook: The 2026 buyer guide",
    "Whitepaper: Security",
    "Contact us",
    "Request a demo",
    "Event feedback",
    "Get a quote",
)
TITLES = (
    "VP Sales",
    "Marketing Manager",
    "Software Engineer",
    "Student",
    "CEO",
    "Director of IT",
    "Analyst",
    "",
    "Head of Operations",
    "Intern",
    "Owner",
    "Ingénieure logiciel",
)
DOMAINS = (
    "acme.io",
    "gmail.com",
    "globex.com",
    "initech.de",
    "uni.edu",
    "yahoo.com",
    "umbrella.co.uk",
)
STAGES = ("subscriber", "lead", "lead", "lead", "marketingqualifiedlead", "salesqualifiedlead", "")


def synthetic_contact(rng: random.Random, index: int, now: datetime, activities: int):
    properties = {
        "email": f"person{index}@{rng.choice(DOMAINS)}",
        "jobtitle": rng.choice(TITLES),
        "numemployees": str(rng.choice((5, 40, 120, 800, 2500, 20000))),
        "country": rng.choice(("Germany", "United States", "Brazil", "France", "")),
        "industry": rng.choice(("COMPUTER_SOFTWARE", "RETAIL", "INSURANCE", "")),
        "lifecyclestage": rng.choice(STAGES),
    }
    if rng.random() < 0.05:
        properties["hs_lead_status"] = rng.choice(("UNQUALIFIED", "BAD_TIMING", "OPEN"))
    if rng.random() < 0.2:
        properties["hs_buying_role"] = rng.choice(("DECISION_MAKER", "END_USER", "INFLUENCER"))
    contact_id = str(index)
    facts = []
    for number in range(activities):
        kind = rng.choice(KINDS)
        if kind is ActivityKind.PAGE_VIEW:
            details = {"url": rng.choice(PAGES)}
        elif kind is ActivityKind.FORM_SUBMISSION:
            details = {
                "form_name": rng.choice(FORMS),
                "challenge": rng.choice(("", "slow reporting")),
            }
        else:
            details = {"email_name": "Monthly update", "event_name": "Product webinar"}
        occurred_at = now - timedelta(seconds=rng.randrange(180 * 86_400))
        facts.append(Activity(contact_id, kind, occurred_at, f"{index}-{number}", details))
    return Contact(contact_id, properties), facts


def lower_mql_threshold() -> Ruleset:
    files = read_config_files(CONFIG_DIR)
    files["lifecycle.yaml"] = files["lifecycle.yaml"].replace(b"min_score: 60", b"min_score: 50")
    return parse_config(files).ruleset


def time_simulate(rules: Ruleset, contacts: int, activities: int, seed: int) -> None:
    candidate = lower_mql_threshold()
    rng = random.Random(seed)
    now = datetime(2026, 11, 23, tzinfo=UTC)
    spent, done, changed = 0.0, 0, 0
    while done < contacts:
        size = min(CHUNK, contacts - done)
        chunk = [
            ContactFacts(*synthetic_contact(rng, done + i, now, activities)) for i in range(size)
        ]
        started = time.perf_counter()
        changed += simulate(chunk, rules, candidate, now).changed
        spent += time.perf_counter() - started
        done += size
    rate = done / spent
    print(f"simulate:             {rate:,.0f} contacts/s ({changed:,} of {done:,} would change)")
    print(
        f"simulate, 1,000,000:  {1_000_000 / rate:.0f} s projected, store reads aside"
        " (target 120 s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--activities", type=int, default=20, help="activities per contact")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--simulate", action="store_true", help="also time simulate()")
    arguments = parser.parse_args()

    rules = load_config(CONFIG_DIR).ruleset
    rng = random.Random(arguments.seed)
    now = datetime(2026, 11, 23, tzinfo=UTC)
    stages: Counter[str | None] = Counter()
    spent = 0.0
    done = 0
    while done < arguments.contacts:
        size = min(CHUNK, arguments.contacts - done)
        chunk = [synthetic_contact(rng, done + i, now, arguments.activities) for i in range(size)]
        started = time.perf_counter()
        for contact, activities in chunk:
            stages[evaluate(contact, activities, rules, now).stage] += 1
        spent += time.perf_counter() - started
        done += size
    rate = done / spent
    print(f"contacts evaluated:   {done:,} ({arguments.activities} activities each)")
    print(f"evaluation time:      {spent:.1f} s on one core")
    print(f"contacts per second:  {rate:,.0f} ({1e6 / rate:.1f} µs each)")
    print(f"against the target:   {rate / TARGET_PER_SECOND:.2f}× of {TARGET_PER_SECOND:,}/s")
    print(
        "stages after evaluation: "
        + ", ".join(f"{k or 'none'} {v:,}" for k, v in stages.most_common())
    )
    if arguments.simulate:
        time_simulate(rules, arguments.contacts, arguments.activities, arguments.seed)


if __name__ == "__main__":
    main()
