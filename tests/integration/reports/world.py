"""A small named funnel whose every report figure is computed by hand below.

Period: Monday 2026-03-02 to Monday 2026-03-16 (two weeks); the report runs on 2026-03-20.

| contact | source         | advances (kind 'advance')                             |
|---------|----------------|-------------------------------------------------------|
| ada     | ORGANIC_SEARCH | lead 03-01, MQL 03-03, SQL 03-05 12:00                |
| bob     | PAID_SEARCH    | lead 03-02 09:00, MQL 03-06 09:00 (recycled 03-13)    |
| cy      | ORGANIC_SEARCH | lead 03-09, SQL 03-10 (skips MQL: reaches it 03-10)   |
| dee     | PAID_SEARCH    | MQL 02-20, SQL 03-11                                  |
| eve     | (none)         | lead 03-12, MQL 03-20 (after the period)              |
| fay     | (none)         | lead 03-14                                            |
| gus     | (none)         | lead 03-17 (after the period)                         |

Funnel in the period: lead 4 (bob, cy, eve, fay), MQL 3 (ada, bob, cy), SQL 3 (ada, cy, dee).
Conversions: lead→MQL 3 of 4 (eve converts after the period, to date), MQL→SQL 2 of 3,
SQL→opportunity 0 of 3, opportunity→customer none (no cohort).
Stays ended in the period: lead [cy 1 d, ada 2 d, bob 4 d] → median 2 d, p90 3.6 d;
MQL [ada 2.5 d, dee 19 d] → median 10.75 d, p90 17.35 d; SQL none.
Nurture: step 1 sent to bob and eve (bob opened and clicked, eve unsubscribed), step 2 sent
to bob (opened twice: counted once). Follow-up: 5 CALL tasks planned, 3 created, 1 done
within SLA, 1 late, 1 overdue, 1 parked; 1 lead recycled.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from connector.store import Store, tables
from connector.store.reporting import Period

PERIOD = Period(datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 16, tzinfo=UTC))
NOW = datetime(2026, 3, 20, 12, tzinfo=UTC)
DAY = 86400.0

SOURCES = {
    "ada": "ORGANIC_SEARCH",
    "bob": "PAID_SEARCH",
    "cy": "ORGANIC_SEARCH",
    "dee": "PAID_SEARCH",
    "eve": None,
    "fay": None,
    "gus": None,
}
ADVANCES = [
    ("ada", None, "lead", "03-01 00:00"),
    ("ada", "lead", "marketingqualifiedlead", "03-03 00:00"),
    ("ada", "marketingqualifiedlead", "salesqualifiedlead", "03-05 12:00"),
    ("bob", None, "lead", "03-02 09:00"),
    ("bob", "lead", "marketingqualifiedlead", "03-06 09:00"),
    ("cy", None, "lead", "03-09 00:00"),
    ("cy", "lead", "salesqualifiedlead", "03-10 00:00"),
    ("dee", None, "marketingqualifiedlead", "02-20 00:00"),
    ("dee", "marketingqualifiedlead", "salesqualifiedlead", "03-11 00:00"),
    ("eve", None, "lead", "03-12 00:00"),
    ("eve", "lead", "marketingqualifiedlead", "03-20 00:00"),
    ("fay", None, "lead", "03-14 00:00"),
    ("gus", None, "lead", "03-17 00:00"),
]
RECYCLES = [("bob", "03-13 00:00"), ("ada", "03-18 00:00")]
# (contact, step, email id, state, sent at)
EMAILS = [
    ("bob", 1, 101, "sent", "03-04 10:00"),
    ("bob", 2, 102, "sent", "03-08 10:00"),
    ("eve", 1, 101, "sent", "03-13 10:00"),
    ("fay", 1, 101, "pending", None),
    ("ada", 1, 101, "sent", "02-25 10:00"),
]
# (contact, kind, email id, occurred at)
REACTIONS = [
    ("bob", "email_open", "101", "03-04 11:00"),
    ("bob", "email_click", "101", "03-04 11:01"),
    ("bob", "email_open", "102", "03-08 11:00"),
    ("bob", "email_open", "102", "03-09 11:00"),
    ("eve", "unsubscribed", "101", "03-13 12:00"),
    ("eve", "email_open", "999", "03-13 12:00"),
    ("ada", "email_open", "101", "02-25 11:00"),
]
# (contact, task type, state, created at, due at, completed at)
TASKS = [
    ("ada", "CALL", "sent", "03-05 12:00", "2026-03-06T12:00:00Z", "2026-03-06T10:00:00+00:00"),
    ("cy", "CALL", "sent", "03-10 00:00", "2026-03-11T00:00:00+00:00", "2026-03-12T00:00:00Z"),
    ("dee", "CALL", "sent", "03-11 00:00", "2026-03-12T00:00:00+00:00", None),
    ("dee", "CALL", "pending", "03-15 00:00", "2026-03-25T00:00:00+00:00", None),
    ("cy", "CALL", "cancelled", "03-10 00:00", "2026-03-11T00:00:00+00:00", None),
    ("ada", "TODO", "sent", "03-05 12:00", "2026-03-06T00:00:00+00:00", None),
    ("eve", "CALL", "pending", "03-17 00:00", "2026-03-18T00:00:00+00:00", None),
    ("bob", "CALL", "parked", "03-06 09:00", "2026-03-07T09:00:00+00:00", None),
]


def at(day_time: str) -> datetime:
    """'MM-DD HH:MM' in 2026, UTC."""
    return datetime.strptime(f"2026-{day_time}", "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


def seed(store: Store) -> None:
    with store.writing() as connection:
        connection.execute(
            insert(tables.contacts),
            [
                {
                    "id": name,
                    "email": f"{name}@example.com",
                    "properties": {},
                    "lead_source": source,
                    "updated_at": NOW,
                }
                for name, source in SOURCES.items()
            ],
        )
        connection.execute(
            insert(tables.transitions),
            [
                {
                    "id": f"t{index}",
                    "contact_id": contact,
                    "from_stage": before,
                    "to_stage": after,
                    "kind": "advance",
                    "at": at(when),
                    "reasons": [],
                }
                for index, (contact, before, after, when) in enumerate(ADVANCES)
            ]
            + [
                {
                    "id": f"r{index}",
                    "contact_id": contact,
                    "from_stage": "marketingqualifiedlead",
                    "to_stage": "marketingqualifiedlead",
                    "kind": "recycle",
                    "at": at(when),
                    "reasons": [],
                }
                for index, (contact, when) in enumerate(RECYCLES)
            ],
        )
        effects = [
            _effect(
                f"email-{index}",
                "send_email",
                contact,
                state,
                created=at(sent_at or "03-14 00:00") - timedelta(hours=1),
                sent_at=sent_at and at(sent_at),
                payload={"sequence": "nurture", "step": step, "email_id": email_id},
            )
            for index, (contact, step, email_id, state, sent_at) in enumerate(EMAILS)
        ] + [
            _effect(
                f"task-{index}",
                "create_task",
                contact,
                state,
                created=at(created),
                sent_at=at(created) if state == "sent" else None,
                payload={
                    "task_type": task_type,
                    "purpose": "sql_call",
                    "owner_id": "7",
                    "due_at": due,
                    "subject": "Call",
                    **({"completed_at": completed} if completed else {}),
                },
            )
            for index, (contact, task_type, state, created, due, completed) in enumerate(TASKS)
        ]
        connection.execute(insert(tables.outbox_effects), effects)
        connection.execute(
            insert(tables.activities),
            [
                {
                    "contact_id": contact,
                    "kind": kind,
                    "occurred_at": at(when),
                    "source_id": f"a{index}",
                    "details": {"email_id": email_id},
                }
                for index, (contact, kind, email_id, when) in enumerate(REACTIONS)
            ],
        )


def _effect(key, kind, contact, state, created, sent_at, payload) -> dict:
    return {
        "idempotency_key": key,
        "kind": kind,
        "contact_id": contact,
        "payload": payload,
        "created_at": created,
        "due_at": created,
        "state": state,
        "attempts": 0,
        "sent_at": sent_at,
    }


# Operations as of NOW: 2 pending inbox events (oldest received 90 min ago), 1 parked, 3 done;
# the oldest due pending effect is fay's email, due 03-13 23:00; 1 parked effect; the
# contacts cursor moved an hour ago; the last sync run took 42 s; ada was evaluated a minute
# ago with config v7 and bob a day ago with v6.
INBOX = [("pending", 90), ("pending", 10), ("parked", 300), ("done", 5), ("done", 6), ("done", 7)]
OLDEST_DUE_EFFECT = at("03-13 23:00")


def seed_operations(store: Store) -> None:
    with store.writing() as connection:
        connection.execute(
            insert(tables.inbox_events),
            [
                {
                    "identity": f"1:2:{index}:3:4",
                    "subscription_type": "contact.propertyChange",
                    "payload": {},
                    "received_at": NOW - timedelta(minutes=minutes),
                    "state": state,
                    "attempts": 0,
                    "due_at": NOW,
                }
                for index, (state, minutes) in enumerate(INBOX)
            ],
        )
        connection.execute(
            insert(tables.sync_cursors),
            {"name": "contacts", "value": "x", "updated_at": NOW - timedelta(hours=1)},
        )
        connection.execute(
            insert(tables.job_runs),
            [
                {
                    "job": "sync",
                    "slot": slot,
                    "holder": "test",
                    "started_at": started,
                    "finished_at": started + timedelta(seconds=seconds),
                    "outcome": "ok",
                }
                for slot, started, seconds in [
                    ("2026-03-20T10", NOW - timedelta(hours=2), 50),
                    ("2026-03-20T11", NOW - timedelta(hours=1), 42),
                ]
            ],
        )
        for name, ago, version in [("ada", timedelta(minutes=1), "v7"), ("bob", DAY_AGO, "v6")]:
            connection.execute(
                tables.contacts.update()
                .where(tables.contacts.c.id == name)
                .values(evaluated_at=NOW - ago, config_version=version)
            )


DAY_AGO = timedelta(days=1)
