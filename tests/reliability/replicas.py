"""Several `connector worker` processes on one PostgreSQL database, and what they left.

Shared by tests/reliability/test_replicas.py (CI size) and benchmarks/replicas.py
(50,000 events):

    events = queue_events(store, hub, 5_000)      # webhook events, as HubSpot posts them
    runs = run_replicas(runner, 3)               # three `connector worker --once` at once
    result = replicas_result(store, hub, runs, events, budget)

`replicas_result` holds every figure the exactly-once and rate checks need: events
finished per process (their sum is how many times events were processed), outbox
effects against what the sandbox received, stages against HubSpot's, and the
busiest 10 s (and 1 s of search) in the sandbox's request log.
"""

from __future__ import annotations

import json
import random
import re
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

from connector.sandbox.server import RATE_EXEMPT
from connector.sandbox.testing import RunningSandbox
from connector.store import Store
from connector.webhooks.events import parse_batch
from tests.reliability.outcome import portal
from tests.reliability.processes import RUN_TIMEOUT_S, Runner

DELIVERY = 100  # events per webhook request
PROPERTIES = ("num_conversion_events", "hs_email_last_open_date", "lifecyclestage")
FINISHED = re.compile(r"processed (\d+) events, sent (\d+) effects")


def queue_events(store: Store, hub: RunningSandbox, count: int, seed: int = 1) -> int:
    """Store `count` distinct property-change events on the sandbox's contacts, delivered
    100 a request as the webhook endpoint stores them; return how many were new."""
    rng = random.Random(seed)
    ids = sorted(int(contact_id) for contact_id in hub.state.contacts.records)
    now = datetime.now(UTC)
    stored = 0
    for start in range(0, count, DELIVERY):
        events = [
            {
                "eventId": number,
                "subscriptionId": 7001,
                "portalId": hub.state.portal_id,
                "occurredAt": int(now.timestamp() * 1000) - rng.randrange(3_600_000),
                "subscriptionType": "contact.propertyChange",
                "attemptNumber": 0,
                "objectId": rng.choice(ids),
                "propertyName": rng.choice(PROPERTIES),
                "propertyValue": "1",
                "changeSource": "CRM",
                "appId": 1,
            }
            for number in range(start + 1, min(start + DELIVERY, count) + 1)
        ]
        stored += store.add_inbox_events(parse_batch(json.dumps(events).encode()), now)
    return stored


@dataclass(frozen=True)
class Finished:
    """What one `connector worker --once` said it did."""

    pid: int
    events: int
    sent: int


def run_replicas(runner: Runner, count: int) -> list[Finished]:
    """Start `count` `connector worker --once` at once and wait for them all."""
    started = [runner.start("worker", "--once") for _ in range(count)]
    finished = []
    for run, process in started:
        runner.ended(run, process, timeout=RUN_TIMEOUT_S * 5)
        said = FINISHED.search(run.stdout)
        if process.returncode != 0 or said is None:
            raise AssertionError(f"a replica failed:\n{run.log.read_text()[-4000:]}")
        finished.append(Finished(run.pid, int(said[1]), int(said[2])))
    return finished


def busiest(times_ms: list[int], window_ms: int) -> int:
    """The most calls that started in any `window_ms` (HubSpot's rolling window)."""
    ordered = sorted(times_ms)
    return max(
        (i - bisect_left(ordered, t - window_ms + 1) + 1 for i, t in enumerate(ordered)),
        default=0,
    )


@dataclass(frozen=True)
class ReplicasResult:
    events: int
    processed: int
    inbox: dict[str, int]
    retried: int
    sent: int
    outbox: dict[str, int]
    tasks_planned: int
    tasks_in_hubspot: int
    duplicate_tasks: int
    emails_planned: int
    emails_in_hubspot: int
    duplicate_emails: int
    stages_differing: int
    calls: int
    rate_limited: int
    busiest_10s: int
    busiest_search_1s: int
    seconds: float

    def figures(self, budget: int, search_budget: int) -> dict[str, object]:
        return {
            "events": self.events,
            "processed": self.processed,
            "effects_sent": self.sent,
            "tasks": self.tasks_in_hubspot,
            "emails": self.emails_in_hubspot,
            "duplicates": self.duplicate_tasks + self.duplicate_emails,
            "losses": self.events - self.inbox.get("done", 0),
            "calls": self.calls,
            "429s": self.rate_limited,
            "max_calls_in_10s": f"{self.busiest_10s}/{budget}",
            "max_searches_in_1s": f"{self.busiest_search_1s}/{search_budget}",
            "seconds": round(self.seconds, 1),
        }


def replicas_result(
    store: Store, hub: RunningSandbox, finished: list[Finished], events: int
) -> ReplicasResult:
    """Everything the replicas left, in leadflow's store and in the sandbox."""
    live = portal(hub, store)
    effects = Counter(
        (item.kind, item.state)
        for item in store.list_outbox(["sent", "pending", "sending", "parked"], limit=10**7)
    )
    tasks, sends = live.hubspot_tasks(), live.hubspot_sends()
    markers = Counter(task["hs_task_body"].rsplit("\n", 1)[-1] for task in tasks)
    log = hub.request_log.entries
    budgeted = [e.at_ms for e in log if not _search(e.path) and e.path not in RATE_EXEMPT]
    return ReplicasResult(
        events=events,
        processed=sum(f.events for f in finished),
        inbox=store.inbox_depth(),
        retried=sum(1 for item in store.list_inbox(["done"], limit=10**7) if item.attempts),
        sent=sum(f.sent for f in finished),
        outbox=store.outbox_depth(),
        tasks_planned=effects[("create_task", "sent")],
        tasks_in_hubspot=len(tasks),
        duplicate_tasks=sum(n - 1 for n in markers.values()),
        emails_planned=effects[("send_email", "sent")],
        emails_in_hubspot=len(sends),
        duplicate_emails=sum(n - 1 for n in Counter(s.send_id for s in sends).values()),
        stages_differing=_stages_differing(store, hub),
        calls=len(log),
        rate_limited=sum(1 for e in log if e.status == 429),
        busiest_10s=busiest(budgeted, 10_000),
        busiest_search_1s=busiest([e.at_ms for e in log if _search(e.path)], 1_000),
        seconds=(max(e.at_ms for e in log) - min(e.at_ms for e in log)) / 1000 if log else 0,
    )


def _search(path: str) -> bool:
    return path.startswith("/crm/") and path.endswith("/search")


def _stages_differing(store: Store, hub: RunningSandbox) -> int:
    """Contacts whose stage in leadflow is not HubSpot's lifecyclestage."""
    with store.reading() as connection:
        stored = store.stored_contacts(connection, [str(i) for i in hub.state.contacts.records])
    ours = {contact_id: contact.stage for contact_id, contact in stored.items()}
    with hub.state.lock:
        theirs = {
            str(contact_id): record.props.get("lifecyclestage") or None
            for contact_id, record in hub.state.contacts.records.items()
        }
    return sum(1 for contact_id, stage in ours.items() if stage and theirs[contact_id] != stage)
