"""HubSpot delivers events at least once and in no particular order: leadflow stores
each event once and ends where one in-order delivery of each would have left it.

10,000 signed events about the sandbox's contacts are each delivered 1-10 times
(every retry with its next `attemptNumber`), shuffled, in batches of 1-100, to
the real receiver; a second database receives every event once, in order. Both
inboxes are then processed against the same portal and compared.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from connector.app import create_app
from connector.hubspot.gateway import HubSpotGateway
from connector.sandbox.testing import RunningSandbox, running_sandbox
from connector.services import INBOX_RETENTION, build_connector
from connector.store import Store
from tests.live import Clock, live_settings
from tests.reliability.conftest import scaled
from tests.reliability.outcome import STATES, identity
from tests.reliability.webhooks import post_signed

EVENTS = scaled(10_000, 100_000)
CONTACTS = 40
MAX_DELIVERIES = 10
MAX_BATCH = 100
PROPERTIES = ("lifecyclestage", "num_conversion_events", "hs_email_optout", "hubspot_owner_id")
RETENTION_CHECK = timedelta(hours=72)


def hubspot_events(hub: RunningSandbox, count: int, clock: Clock, rng: random.Random) -> list:
    """`count` distinct events about the portal's contacts, oldest first; a few are of a
    kind leadflow does not act on (company events), which it stores and skips."""
    with hub.state.lock:
        contact_ids = sorted(int(i) for i in hub.state.contacts.records)
    events = []
    for event_id in range(1, count + 1):
        kind = rng.choice(("creation", "propertyChange", "propertyChange", "company"))
        event = {
            "eventId": event_id,
            "subscriptionId": 1,
            "portalId": hub.state.portal_id,
            "appId": 54321,
            "occurredAt": clock.ms() - (count - event_id) * 1000,
            "subscriptionType": "contact.creation",
            "attemptNumber": 0,
            "objectId": rng.choice(contact_ids),
            "changeSource": "CRM",
        }
        if kind == "propertyChange":
            index = rng.randrange(len(PROPERTIES))
            event |= {
                "subscriptionId": 10 + index,
                "subscriptionType": "contact.propertyChange",
                "propertyName": PROPERTIES[index],
                "propertyValue": "x",
            }
        elif kind == "company":
            event |= {"subscriptionId": 30, "subscriptionType": "company.creation"}
        events.append(event)
    return events


def redelivered(events: list[dict], rng: random.Random) -> list[list[dict]]:
    """Each event 1-10 times (as retry n it carries attemptNumber n), shuffled, in batches."""
    copies = [
        {**event, "attemptNumber": attempt}
        for event in events
        for attempt in range(rng.randint(1, MAX_DELIVERIES))
    ]
    rng.shuffle(copies)
    batches = []
    while copies:
        size = rng.randint(1, MAX_BATCH)
        batches.append(copies[:size])
        del copies[:size]
    return batches


class Receiver:
    """leadflow's Flask app over one database, posted signed batches by a test client."""

    def __init__(self, hub: RunningSandbox, database_url: str, config: Path, clock: Clock):
        self.store = Store.from_url(database_url)
        self.settings = live_settings(database_url, config)
        self.client = create_app(self.settings, self.store, clock).test_client()
        self.hub, self.clock = hub, clock

    def post(self, batch: list[dict]) -> int:
        return post_signed(self.client, self.hub.client_secret, batch, self.clock.ms()).status_code

    def process(self) -> int:
        """Drain the inbox with a Connector on the same portal; return events finished."""
        gateway = HubSpotGateway(
            self.hub.base_url, self.hub.token, rate_limit=100_000, now=self.clock
        )
        self.connector = build_connector(self.settings, self.store, gateway, self.clock)
        return self.connector.drain_inbox()

    def state(self, contact_ids: list[str]) -> dict:
        """Verdicts, transitions and planned effects, per contact."""
        with self.store.reading() as connection:
            stored = self.store.stored_contacts(connection, contact_ids)
        return {
            cid: (
                stored.get(cid),
                [(t.id, t.from_stage, t.to_stage, t.kind) for t in self.store.transitions_of(cid)],
                sorted(
                    (e["idempotency_key"], e["kind"], e["state"], json.dumps(e["payload"]))
                    for e in self.store.effects_of(cid)
                ),
            )
            for cid in contact_ids
        }

    def identities(self) -> Counter:
        return Counter(item.key for item in self.store.list_inbox(STATES, limit=10_000_000))


def test_it_stores_each_event_once_and_ends_as_one_in_order_delivery_would(
    database_url, fault_free_store, round_the_clock, figures
):
    rng = random.Random(10)
    clock = Clock(datetime.now(UTC).replace(microsecond=0))
    ordered_url = fault_free_store.engine.url.render_as_string(hide_password=False)
    with running_sandbox(contacts=CONTACTS, seed=3, clock=clock.ms, rate_limit=100_000) as hub:
        events = hubspot_events(hub, EVENTS, clock, rng)
        batches = redelivered(events, rng)
        shuffled = Receiver(hub, database_url, round_the_clock, clock)
        statuses = Counter(shuffled.post(batch) for batch in batches)
        in_order = Receiver(hub, ordered_url, round_the_clock, clock)
        for start in range(0, len(events), MAX_BATCH):
            assert in_order.post(events[start : start + MAX_BATCH]) == 200

        stored = shuffled.identities()
        finished = shuffled.process(), in_order.process()
        contact_ids = sorted({str(event["objectId"]) for event in events})
        final = shuffled.state(contact_ids)
        same = final == in_order.state(contact_ids)
        depth = shuffled.store.inbox_depth()

        clock.advance(RETENTION_CHECK)
        retention = shuffled.connector.scheduler().get_job("inbox-retention").func
        retention()
        late = Receiver(hub, database_url, round_the_clock, clock)
        late_statuses = Counter(late.post(batch) for batch in batches[:20])
        kept = late.identities()
        clock.advance(INBOX_RETENTION)
        retention()
        forgotten = len(stored) - sum(late.identities().values())
    copies = sum(len(batch) for batch in batches)
    figures(
        events=EVENTS,
        deliveries=copies,
        requests=len(batches),
        answered_2xx=statuses[200],
        inbox_rows=sum(stored.values()),
        duplicates=sum(n - 1 for n in stored.values()),
        losses=len({identity(e) for e in events} - set(stored)),
        contacts_judged=sum(1 for verdict, _, _ in final.values() if verdict),
        transitions=sum(len(moves) for _, moves, _ in final.values()),
        effects_planned=sum(len(effects) for _, _, effects in final.values()),
        kept_after_hours=RETENTION_CHECK.total_seconds() / 3600,
        forgotten_after_days=(RETENTION_CHECK + INBOX_RETENTION).days,
    )
    assert statuses == {200: len(batches)}, statuses
    assert set(stored) == {identity(event) for event in events}
    assert set(stored.values()) == {1}
    assert finished == (EVENTS, EVENTS)
    assert set(depth) <= {"done", "skipped"}
    assert all(verdict for verdict, _, _ in final.values())
    assert same, "the shuffled, repeated delivery ended elsewhere than the in-order one"
    assert INBOX_RETENTION >= RETENTION_CHECK
    assert late_statuses == {200: 20}
    assert kept == stored, "a redelivery 72 hours later was stored again"
    assert forgotten == len(stored), "the retention job kept finished events forever"
