"""Deterministic demo data: contacts with personas, companies, owners, lead sources and history.

`generate(count, seed, now_ms)` yields contacts lazily; contact `i` depends only
on (seed, i), so a world of 50 is the first 50 of a world of 1,000,000. Each
contact follows one journey the marketing team cares about:

| journey | what happened | stage HubSpot set |
|---|---|---|
| blog_reader | an imported subscriber who reads blog posts, never converts | subscriber |
| subscriber | reads, subscribes to the blog, opens a newsletter | subscriber |
| mql_path | reads, gets the ebook, registers for and attends the webinar, clicks email | lead |
| sql_path | visits pricing twice, "Contact us" as a decision maker with challenge, budget | lead |
| gone_cold | downloaded the ebook months ago, nothing since | lead |
| unsubscriber | downloaded the ebook, then unsubscribed from email | lead |
| bounced | a form fill whose address hard-bounces | lead |

History lies in the 120 days before `now_ms`. `populate` loads a world through
the same recording functions the live endpoints use (so roll-up properties are
consistent), with sorting deferred to the end; memory grows linearly, about
3 kB per contact.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from connector.sandbox import engagement
from connector.sandbox.site import BLOG, DEMO_FORMS, PAGES, WEBINAR, install_forms
from connector.sandbox.world import World

DAY_MS = 86_400_000
HISTORY_DAYS = 120
SITE = "https://demo.leadflow.test"
JOURNEYS = (
    ("blog_reader", 30),
    ("subscriber", 17),
    ("mql_path", 15),
    ("sql_path", 8),
    ("gone_cold", 20),
    ("unsubscriber", 6),
    ("bounced", 4),
)
PERSONAS = {
    "persona_1": ("VP Marketing", "Head of Growth", "CMO", "Director of Demand Generation"),
    "persona_2": ("Marketing Manager", "Marketing Ops Specialist", "Content Marketer", "SDR"),
    "persona_3": ("Student", "Consultant", "Freelancer", "Analyst"),
}
FIRST_NAMES = (
    "Ada",
    "Ben",
    "Chloe",
    "Dev",
    "Emma",
    "Farid",
    "Grace",
    "Hugo",
    "Ines",
    "Jon",
    "Kira",
    "Liam",
)
LAST_NAMES = (
    "Adams",
    "Berg",
    "Costa",
    "Diaz",
    "Evans",
    "Fischer",
    "Garcia",
    "Hale",
    "Ito",
    "Jansen",
    "Khan",
)
COMPANY_WORDS = (
    "North",
    "Blue",
    "Bright",
    "Iron",
    "Cedar",
    "Quantum",
    "Silver",
    "Harbor",
    "Summit",
    "Pixel",
)
COMPANY_NOUNS = (
    "Analytics",
    "Labs",
    "Systems",
    "Logistics",
    "Health",
    "Retail",
    "Software",
    "Foods",
)
INDUSTRIES = (
    "COMPUTER_SOFTWARE",
    "HOSPITAL_HEALTH_CARE",
    "RETAIL",
    "LOGISTICS_AND_SUPPLY_CHAIN",
    "FINANCIAL_SERVICES",
)
SIZES = ("1-10", "11-50", "51-200", "201-1000", "1001-5000")
COUNTRIES = ("United States", "United Kingdom", "Germany", "France", "Netherlands", "Canada")
SOURCES = (
    ("ORGANIC_SEARCH", 35),
    ("PAID_SEARCH", 15),
    ("SOCIAL_MEDIA", 12),
    ("REFERRALS", 10),
    ("DIRECT_TRAFFIC", 18),
    ("EMAIL_MARKETING", 10),
)
CHALLENGES = (
    "Sales ignores our MQLs; we need a score they trust.",
    "We cannot see which campaigns produce pipeline.",
    "Leads wait days before anyone calls them.",
)
OWNERS = (
    ("sam.seller@demo.leadflow.test", "Sam", "Seller"),
    ("ria.rep@demo.leadflow.test", "Ria", "Rep"),
    ("ola.owner@demo.leadflow.test", "Ola", "Owner"),
    ("kai.closer@demo.leadflow.test", "Kai", "Closer"),
)
NEWSLETTER_EMAIL_ID, NURTURE_EMAIL_ID = 5001, 5002
FORM_PAGES = {
    "newsletter": "/site/blog/lead-scoring-101",
    "ebook": "/site/ebook",
    "webinar": "/site/webinar",
    "contact": "/site/contact",
}


@dataclass(slots=True)
class DemoContact:
    """One generated contact: properties, creation time and history as (kind, ms, details)."""

    index: int
    journey: str
    created_ms: int
    properties: dict[str, str]
    history: list[tuple[str, int, tuple[str, ...]]] = field(default_factory=list)


def _weighted(rng: random.Random, table: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([name for name, _ in table], weights=[weight for _, weight in table])[0]


def _company(rng: random.Random) -> str:
    return sys.intern(f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_NOUNS)}")


def generate(count: int, seed: int, now_ms: int) -> Iterator[DemoContact]:
    """Yields `count` contacts, one journey each (see the module table)."""
    for index in range(count):
        yield _contact(index, random.Random(seed * 1_000_003 + index), now_ms)


def _contact(index: int, rng: random.Random, now_ms: int) -> DemoContact:
    journey = _weighted(rng, JOURNEYS)
    persona = "persona_1" if journey == "sql_path" else rng.choice(tuple(PERSONAS))
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    company = _company(rng)
    domain = company.lower().replace(" ", "") + ".test"
    start = now_ms - HISTORY_DAYS * DAY_MS + rng.randrange(30 * DAY_MS)
    if journey == "gone_cold":
        start = now_ms - HISTORY_DAYS * DAY_MS + rng.randrange(10 * DAY_MS)
    properties = {
        "email": f"{first}.{last}.{index}@{domain}".lower(),
        "firstname": first,
        "lastname": last,
        "company": company,
        "jobtitle": sys.intern(rng.choice(PERSONAS[persona])),
        "hs_persona": persona,
        "industry": rng.choice(INDUSTRIES),
        "numemployees": rng.choice(SIZES),
        "country": rng.choice(COUNTRIES),
    }
    contact = DemoContact(index, journey, start, properties)
    _history(contact, rng, start, now_ms)
    return contact


def _history(contact: DemoContact, rng: random.Random, start: int, now_ms: int) -> None:
    """Appends the journey's activity, spaced by hours to days, never past `now_ms`."""
    at = start
    steps = contact.history

    def step(kind: str, *details: str, gap_days: float = 1.0) -> None:
        nonlocal at
        at = min(at + int(rng.uniform(0.1, gap_days) * DAY_MS), now_ms - 60_000)
        steps.append((kind, at, details))

    posts = list(BLOG)
    for _ in range(rng.randint(1, 3)):
        step("page", f"/site/blog/{rng.choice(posts)}", gap_days=4)
    journey = contact.journey
    if journey == "subscriber":
        step("form", "newsletter")
        step("email", "OPEN", str(NEWSLETTER_EMAIL_ID), gap_days=7)
    if journey in ("mql_path", "gone_cold", "unsubscriber", "bounced"):
        step("page", "/site/ebook")
        step("form", "ebook", gap_days=0.2)
    if journey == "mql_path":
        step("page", "/site/webinar", gap_days=5)
        step("form", "webinar", gap_days=0.2)
        step("attend", gap_days=7)
        step("email", "OPEN", str(NURTURE_EMAIL_ID), gap_days=2)
        step("email", "CLICK", str(NURTURE_EMAIL_ID), gap_days=0.1)
    if journey == "sql_path":
        step("page", "/site/pricing", gap_days=3)
        step("page", "/site/pricing", gap_days=2)
        step("page", "/site/contact", gap_days=0.1)
        step("form", "contact", gap_days=0.1)
        contact.properties.update(
            hs_buying_role="DECISION_MAKER",
            budget=rng.choice(("50k_250k", "over_250k")),
            challenge=rng.choice(CHALLENGES),
        )
    if journey == "unsubscriber":
        step("email", "OPEN", str(NURTURE_EMAIL_ID), gap_days=3)
        step("email", "STATUSCHANGE", str(NURTURE_EMAIL_ID), gap_days=2)
    if journey == "bounced":
        step("email", "BOUNCE", str(NURTURE_EMAIL_ID), gap_days=1)


def populate(
    world: World, count: int, seed: int, progress: Callable[[int], object] | None = None
) -> None:
    """Loads owners, demo forms and `count` generated contacts with their history into `world`.

    `progress(n)` is told every 1,000 contacts how many more were loaded.
    """
    with world.lock:
        install_forms(world)
        owners = [world.add_owner(*owner).id for owner in OWNERS if not _has_owner(world, owner[0])]
        owners = owners or sorted(world.owners)
        rng = random.Random(seed)
        for contact in generate(count, seed, world.now()):
            _load(world, contact, owners, rng)
            if progress and contact.index % 1_000 == 999:
                progress(1_000)
        world.activity.sort()
        world.email_events.sort()


def _has_owner(world: World, email: str) -> bool:
    return any(owner.email == email for owner in world.owners.values())


def _load(world: World, contact: DemoContact, owners: list[int], rng: random.Random) -> None:
    properties = dict(contact.properties)
    properties["hs_analytics_source"] = _weighted(rng, SOURCES)
    if contact.journey == "blog_reader":
        properties["lifecyclestage"] = "subscriber"
    else:
        properties["hubspot_owner_id"] = str(rng.choice(owners))
    record = world.contacts.create(properties, contact.created_ms, source="IMPORT")
    email = properties["email"]
    for kind, at, details in contact.history:
        if kind == "page":
            path = details[0]
            engagement.page_view(world, record, SITE + path, _title(path), at, keep_sorted=False)
        elif kind == "form":
            form = DEMO_FORMS[details[0]]
            if form.lifecycle_stage:
                world.contacts.apply(
                    record, {"lifecyclestage": form.lifecycle_stage}, at, source="FORM"
                )
            engagement.form_submission(
                world,
                record,
                form.guid,
                form.name,
                at,
                page_url=SITE,
                page_name=form.name,
                keep_sorted=False,
            )
        elif kind == "attend":
            engagement.marketing_event(
                world,
                record,
                engagement.WEBINAR_ATTENDANCE,
                WEBINAR[0],
                WEBINAR[1],
                at,
                keep_sorted=False,
            )
        else:
            event_type, campaign = details
            extra = _email_extra(event_type)
            engagement.email_event(
                world, record, email, event_type, int(campaign), at, extra, keep_sorted=False
            )


def _title(path: str) -> str:
    return PAGES.get(path, path)


def _email_extra(event_type: str) -> dict[str, object]:
    if event_type == "CLICK":
        return {"url": f"{SITE}/site/pricing"}
    if event_type == "BOUNCE":
        return {"category": "HARD_BOUNCE", "response": "550 5.1.1 mailbox unavailable"}
    if event_type == "STATUSCHANGE":
        return {
            "portalSubscriptionStatus": "UNSUBSCRIBED",
            "source": "SOURCE_RECIPIENT",
            "subscriptions": [],
        }
    return {}
