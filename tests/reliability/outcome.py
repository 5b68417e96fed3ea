"""What the reliability tests drive and what they compare: prospects in waves, and the
HubSpot state leadflow leaves behind (written properties, tasks, emails).

A wave is three prospects: a decision maker asking to be contacted (an SQL: a
CALL task and a write-back), an ebook download (an MQL: the welcome email) and a
newsletter sign-up (a lead: the welcome email). Every wave finishes before the
next starts, so the result does not depend on how work was split in batches.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from connector.sandbox.testing import RunningSandbox
from connector.store import Store
from tests.live import SHIPPED_CONFIG, Live

WRITTEN = (
    "hubspot_owner_id",
    "leadflow_score",
    "leadflow_fit_score",
    "leadflow_engagement_score",
    "leadflow_scoring_model",
    "leadflow_persona",
    "leadflow_reason",
)
STATES = ["pending", "done", "skipped", "parked"]


def round_the_clock_config(folder: Path) -> Path:
    """The shipped config without quiet hours, so the welcome email is due at once
    whatever time of day CI runs."""
    shutil.copytree(SHIPPED_CONFIG, folder)
    nurture = folder / "nurture.yaml"
    nurture.write_text(re.sub(r"\nquiet_hours:\n(?:  .*\n)+", "\n", nurture.read_text()))
    return folder


def wave(number: int) -> list[tuple[str, dict[str, str], str]]:
    """The three prospects of wave `number`: (form, fields, page)."""
    return [
        (
            "contact",
            {
                "email": f"sql{number}@bigco.test",
                "firstname": f"Dana{number}",
                "jobtitle": "VP Marketing",
                "company": "BigCo",
                "hs_buying_role": "DECISION_MAKER",
                "budget": "50k_250k",
                "challenge": "We cannot see which campaigns produce pipeline.",
            },
            "/site/contact",
        ),
        (
            "ebook",
            {
                "email": f"mql{number}@midco.test",
                "firstname": f"Eli{number}",
                "lastname": "Reader",
                "company": "MidCo",
                "jobtitle": "Analyst",
            },
            "/site/ebook",
        ),
        ("newsletter", {"email": f"lead{number}@smallco.test"}, "/site/"),
    ]


def portal(hub: RunningSandbox, store: Store | None = None) -> Live:
    """HubSpot-side helpers of tests/live.py for a sandbox whose connector runs elsewhere."""
    return Live(hub, None, store, None, "")


def submit_wave(live: Live, number: int) -> list[str]:
    """The prospects of wave `number` fill in their forms; returns their addresses."""
    for form, fields, page in wave(number):
        live.submit_form(form, fields, page)
    return [fields["email"] for _, fields, _ in wave(number)]


@dataclass(frozen=True)
class HubSpotOutcome:
    """What leadflow left in HubSpot, independent of ids and timing."""

    contacts: dict[str, dict[str, str | None]]
    tasks: list[tuple[str, ...]]
    emails: list[tuple[str, int]]
    duplicate_tasks: int
    duplicate_emails: int


def hubspot_outcome(live: Live, addresses: list[str]) -> HubSpotOutcome:
    """Read from the sandbox's world, not over HTTP: the look must not meet the rate
    limits or the faults leadflow was put through."""
    contacts = {address: written_properties(live.hub, address) for address in addresses}
    tasks = live.hubspot_tasks()
    sends = live.hubspot_sends()
    markers = Counter(task["hs_task_body"].rsplit("\n", 1)[-1] for task in tasks)
    send_ids = Counter(send.send_id for send in sends)
    return HubSpotOutcome(
        contacts=contacts,
        tasks=sorted(
            (
                task["hs_task_subject"],
                task["hs_task_type"],
                task["hs_task_priority"],
                task.get("hubspot_owner_id") or "",
            )
            for task in tasks
        ),
        emails=sorted((send.to, send.email_id) for send in sends),
        duplicate_tasks=sum(n - 1 for n in markers.values()),
        duplicate_emails=sum(n - 1 for n in send_ids.values()),
    )


def written_properties(hub: RunningSandbox, email: str) -> dict[str, str | None]:
    """The stage and the properties leadflow writes, as HubSpot holds them for `email`."""
    with hub.state.lock:
        for record in hub.state.contacts.records.values():
            if record.props.get("email") == email:
                return {name: record.props.get(name) for name in ("lifecyclestage", *WRITTEN)}
    raise AssertionError(f"HubSpot has no contact {email}")


def acknowledged_identities(hub: RunningSandbox) -> tuple[set[str], int]:
    """Identities of the events leadflow answered 2xx for, and how many deliveries that took."""
    sender = hub.webhooks
    by_id = {event["eventId"]: event for event in sender.emitted}
    acknowledged = set()
    for delivery in sender.deliveries:
        if delivery.status is not None and 200 <= delivery.status < 300:
            acknowledged.update(delivery.event_ids)
    return {identity(by_id[event_id]) for event_id in acknowledged}, len(sender.deliveries)


def identity(event: dict) -> str:
    """The inbox's identity of a HubSpot event (webhooks/events.py; attemptNumber left out)."""
    keys = ("portalId", "subscriptionId", "eventId", "objectId", "occurredAt")
    return ":".join(str(event[key]) for key in keys)


def inbox_rows(store: Store) -> Counter:
    """How many inbox rows each identity has, by state."""
    return Counter((item.key, item.state) for item in store.list_inbox(STATES, limit=1_000_000))
