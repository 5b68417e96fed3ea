"""A seeded, plausible funnel of any size: the dashboard's demo data and the benchmark's load.

Rows come out as tuples in the column order of COLUMNS, with aware UTC datetimes
and JSON already serialised, so the benchmark can COPY them into PostgreSQL or
hand them to sqlite3 directly; `insert` loads a small world through SQLAlchemy.

Each contact is created in the window, most become leads, about a third of the
leads become MQLs (a few jump straight to SQL), and so on down the funnel.
Leads get up to three nurture emails; SQLs get a CALL task due a day later;
some MQLs that stall are recycled. Activities are page views plus opens and
clicks of the nurture emails actually sent.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import datetime, timedelta

from sqlalchemy import insert

from connector.store import Store, tables

SOURCES = (
    ("ORGANIC_SEARCH", 30),
    ("PAID_SEARCH", 20),
    ("EMAIL_MARKETING", 12),
    ("SOCIAL_MEDIA", 10),
    ("REFERRALS", 8),
    ("DIRECT_TRAFFIC", 8),
    ("PAID_SOCIAL", 6),
    ("OTHER_CAMPAIGNS", 4),
    ("OFFLINE", 2),
)
PERSONAS = ("developer", "manager", "executive", "student")
MODELS = ("b2b-default", "enterprise")
OWNERS = tuple(str(100 + n) for n in range(20))
NURTURE_EMAILS = {1: 9001, 2: 9002, 3: 9003}
PAGES = tuple(json.dumps({"url": f"/{page}"}) for page in ("", "pricing", "docs", "blog", "demo"))
NO_REASONS = "[]"
REACTIONS = (("email_open", 0.45), ("email_click", 0.15), ("unsubscribed", 0.02))
COLUMNS = {
    "contacts": (
        "id", "email", "properties", "owner_id", "stage", "score", "model", "persona",
        "lead_source", "evaluated_at", "config_version", "updated_at",
    ),
    "transitions": ("id", "contact_id", "from_stage", "to_stage", "kind", "at", "reasons"),
    "outbox_effects": (
        "idempotency_key", "kind", "contact_id", "transition_id", "payload", "created_at",
        "due_at", "state", "attempts", "sent_at",
    ),
    "activities": ("contact_id", "kind", "occurred_at", "source_id", "details"),
}  # fmt: skip
# (stage, share of the previous stage's contacts that reach it, mean days to get there)
LADDER = (
    ("lead", 0.8, 2),
    ("marketingqualifiedlead", 0.35, 6),
    ("salesqualifiedlead", 0.4, 4),
    ("opportunity", 0.3, 10),
    ("customer", 0.3, 20),
)


def generate(
    contacts: int, activities_per_contact: int, until: datetime, days: int, seed: int = 7
) -> Iterator[tuple[str, tuple]]:
    """(table, row) pairs for `contacts` contacts created in the `days` before `until`."""
    rng = random.Random(seed)
    sources, weights = zip(*SOURCES, strict=True)
    for number in range(contacts):
        contact = str(number + 1)
        created = until - timedelta(seconds=rng.uniform(0, days * 86400))
        path = _path(rng, created, until)
        stage = path[-1][0] if path else "subscriber"
        yield (
            "contacts",
            (
                contact, f"c{contact}@example.com", "{}", rng.choice(OWNERS), stage,
                round(rng.uniform(0, 100), 1), rng.choice(MODELS), rng.choice(PERSONAS),
                rng.choices(sources, weights)[0], until - timedelta(minutes=rng.uniform(0, 600)),
                "v3", until,
            ),
        )  # fmt: skip
        previous = "subscriber"
        for index, (to_stage, at) in enumerate(path):
            yield "transitions", (f"{contact}:{index}", contact, previous, to_stage, "advance", at,
                                  NO_REASONS)  # fmt: skip
            previous = to_stage
        reached = dict(path)
        sent = list(_nurture(rng, contact, reached, until))
        yield from sent
        yield from _follow_up(rng, contact, reached, until)
        yield from _activities(rng, contact, created, until, activities_per_contact, sent)


def _path(rng: random.Random, created: datetime, until: datetime) -> list[tuple[str, datetime]]:
    path, at = [], created
    for stage, share, mean_days in LADDER:
        if rng.random() >= share:
            break
        at += timedelta(days=rng.expovariate(1 / mean_days))
        if at >= until:
            break
        if stage == "salesqualifiedlead" and rng.random() < 0.15 and len(path) >= 2:
            path.pop()  # jumped from lead straight to SQL
        path.append((stage, at))
    return path


def _nurture(rng, contact, reached, until) -> Iterator[tuple[str, tuple]]:
    if "lead" not in reached:
        return
    for step, email_id in NURTURE_EMAILS.items():
        sent_at = reached["lead"] + timedelta(days=3 * step - 2, hours=rng.uniform(0, 4))
        if sent_at >= min(until, reached.get("marketingqualifiedlead", until)):
            return
        payload = json.dumps({"sequence": "nurture", "step": step, "email_id": email_id,
                              "to": f"c{contact}@example.com"})  # fmt: skip
        yield "outbox_effects", (f"{contact}:nurture:{step}", "send_email", contact, None, payload,
                                 sent_at, sent_at, "sent", 1, sent_at)  # fmt: skip


def _follow_up(rng, contact, reached, until) -> Iterator[tuple[str, tuple]]:
    mql, sql = reached.get("marketingqualifiedlead"), reached.get("salesqualifiedlead")
    if sql:
        due = sql + timedelta(days=1)
        task = {"task_type": "CALL", "purpose": "sql_call", "owner_id": rng.choice(OWNERS),
                "due_at": due.isoformat(), "subject": "Call the new SQL"}  # fmt: skip
        done = sql + timedelta(hours=rng.uniform(1, 40))
        if rng.random() < 0.8 and done < until:
            task["completed_at"] = done.isoformat()
        yield "outbox_effects", (f"{contact}:call", "create_task", contact, None,
                                 json.dumps(task), sql, sql, "sent", 1, sql)  # fmt: skip
    elif mql and rng.random() < 0.3:
        at = mql + timedelta(days=14)
        if at < until:
            yield "transitions", (f"{contact}:recycle", contact, "marketingqualifiedlead",
                                  "marketingqualifiedlead", "recycle", at, NO_REASONS)  # fmt: skip


def _activities(rng, contact, created, until, count, sent) -> Iterator[tuple[str, tuple]]:
    """`count` activities: reactions to the emails sent first, page views for the rest."""
    reactions = []
    for _, row in sent:
        email_id, sent_at = json.loads(row[4])["email_id"], row[9]
        for kind, chance in REACTIONS:
            if rng.random() < chance:
                at = min(sent_at + timedelta(hours=rng.uniform(0, 48)), until)
                reactions.append((kind, at, json.dumps({"email_id": str(email_id)})))
    span = (until - created).total_seconds()
    for n in range(count):
        if n < len(reactions):
            kind, at, details = reactions[n]
        else:
            kind, details = "page_view", rng.choice(PAGES)
            at = created + timedelta(seconds=rng.uniform(0, span))
        yield "activities", (contact, kind, at, f"{contact}:{n}", details)


def insert_world(store: Store, contacts: int, until: datetime, days: int = 120) -> None:
    """Load a small synthetic world through SQLAlchemy (tests; the benchmark bulk-loads)."""
    rows: dict[str, list[dict]] = {name: [] for name in COLUMNS}
    for table, row in generate(contacts, 8, until, days):
        record = dict(zip(COLUMNS[table], row, strict=True))
        for name in ("properties", "payload", "details", "reasons"):
            if name in record:
                record[name] = json.loads(record[name])
        rows[table].append(record)
    with store.writing() as connection:
        for table, records in rows.items():
            if records:
                connection.execute(insert(tables.metadata.tables[table]), records)
