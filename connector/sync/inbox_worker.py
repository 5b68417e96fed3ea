"""Turns stored webhook events into fresh evaluations, each event exactly once.

1. Claim a batch of due events (a lease, so a dead worker's batch comes back).
2. Forget deleted contacts (a privacy deletion erases their history too) and
   skip event types leadflow does not act on.
3. Coalesce the rest per contact, read those contacts from HubSpot in batches
   and their activity through the `ActivityWindow` (the portal's activity
   since leadflow last read it, not two calls per contact), and hand them to
   the Refresher, which marks the events done and moves the window's coverage
   in the same transaction that stores the verdicts.
4. On failure, give the batch back with back-off; after N tries it is parked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

import structlog
from prometheus_client import Counter

from connector import failpoints
from connector.hubspot import Gateway, HubSpotError
from connector.store import ClaimedEvent, Store
from connector.sync.activity_window import ActivityWindow, WindowRead
from connector.sync.refresh import Refresher, RefreshOutcome
from connector.webhooks import WORKFLOW_SUBSCRIPTION

log = structlog.get_logger(__name__)
PROCESSED = Counter(
    "leadflow_inbox_events_processed", "Inbox events processed, by outcome", ["outcome"]
)

REFRESHING = {
    "contact.creation",
    "contact.propertyChange",
    "contact.restore",
    "contact.associationChange",
    WORKFLOW_SUBSCRIPTION,
}
DELETING = {"contact.deletion": False, "contact.privacyDeletion": True}
MERGING = "contact.merge"


@dataclass(frozen=True, slots=True)
class Triage:
    refresh: set[str]
    forget: dict[str, bool]
    refresh_events: list[int]
    skipped: list[int]
    merged_into: set[str]


def triage(events: list[ClaimedEvent]) -> Triage:
    """Sort a batch: who to refresh, who to forget (privacy or not), what to skip."""
    refresh: set[str] = set()
    forget: dict[str, bool] = {}
    refresh_events, skipped = [], []
    merged_into: set[str] = set()
    for event in sorted(events, key=lambda e: (e.occurred_at is None, e.occurred_at)):
        kind = event.subscription_type
        if kind in DELETING and event.object_id:
            forget[event.object_id] = forget.get(event.object_id, False) or DELETING[kind]
            refresh.discard(event.object_id)
        elif kind == MERGING:
            primary = str(event.payload.get("primaryObjectId") or event.object_id or "")
            for merged in event.payload.get("mergedObjectIds") or []:
                if str(merged) != primary:
                    forget.setdefault(str(merged), False)
            if primary:
                refresh.add(primary)
                merged_into.add(primary)
        elif kind in REFRESHING and event.object_id:
            refresh.add(event.object_id)
        else:
            skipped.append(event.id)
            continue
        refresh_events.append(event.id)
    refresh -= {k for k, v in forget.items() if v}
    return Triage(refresh, forget, refresh_events, skipped, merged_into)


def own_echoes(events: list[ClaimedEvent], written: Mapping[str, Mapping[str, str]]) -> set[str]:
    """Contacts whose every event in the batch reports a property now holding the value
    leadflow itself wrote: HubSpot telling us of our own write-back has nothing new,
    and judging the contact again would cost two calls for its activity."""
    echoes: dict[str, bool] = {}
    for event in events:
        contact_id = event.object_id or ""
        payload = event.payload
        ours = written.get(contact_id, {}).get(str(payload.get("propertyName")))
        echo = (
            event.subscription_type == "contact.propertyChange"
            and ours is not None
            and str(payload.get("propertyValue")) == ours
        )
        echoes[contact_id] = echoes.get(contact_id, True) and echo
    return {contact_id for contact_id, echo in echoes.items() if echo}


class InboxWorker:
    def __init__(
        self,
        store: Store,
        gateway: Gateway,
        refresher: Refresher,
        clock: Callable[[], datetime],
        worker_id: str,
        batch: int = 500,
    ) -> None:
        self.store, self.gateway, self.refresher = store, gateway, refresher
        self.clock, self.worker_id, self.batch = clock, worker_id, batch
        self.window = ActivityWindow(store, gateway, clock)

    def run_once(self) -> int:
        """Process one claimed batch; return how many events it finished."""
        events = self.store.claim_inbox_events(self.worker_id, self.clock(), self.batch)
        if not events:
            return 0
        failpoints.hit("inbox.after_claim")
        plan = triage(events)
        try:
            self._forget(plan.forget)
            refresh = plan.refresh - own_echoes(events, self._written(plan.refresh))
            self._refresh(sorted(refresh), plan)
        except HubSpotError as error:
            log.warning("inbox.retry", events=len(events), error=str(error))
            self.store.fail_inbox_events([e.id for e in events], str(error), self.clock())
            PROCESSED.labels("retried").inc(len(events))
            return 0
        PROCESSED.labels("done").inc(len(plan.refresh_events))
        PROCESSED.labels("skipped").inc(len(plan.skipped))
        return len(events)

    def _written(self, ids: set[str]) -> dict[str, dict[str, str]]:
        with self.store.reading() as connection:
            stored = self.store.stored_contacts(connection, sorted(ids))
        return {contact_id: known.written_properties for contact_id, known in stored.items()}

    def _forget(self, forget: dict[str, bool]) -> None:
        with self.store.writing() as connection:
            self.store.lock_contacts(connection, forget)
            for contact_id, privacy in forget.items():
                self.store.forget_contact(connection, contact_id, privacy)
                log.info("contact.forgotten", contact_id=contact_id, privacy=privacy)

    def _refresh(self, ids: list[str], plan: Triage) -> RefreshOutcome:
        """Read `ids` from HubSpot and judge them; contacts HubSpot no longer has are forgotten."""
        live, gone, read = [], [], WindowRead([], None)
        if ids:
            fresh = self.gateway.read_contacts(ids)
            live = [c for c in fresh.contacts if not c.archived]
            gone = fresh.missing + list(fresh.merged) + [c.id for c in fresh.contacts if c.archived]
        if live:
            read = self.window.read(live, plan.merged_into)
        if gone:
            self._forget(dict.fromkeys(gone, False))
        with self.store.writing() as connection:
            self.store.finish_inbox_events(connection, plan.skipped, state="skipped")
        outcome = self.refresher.apply(
            live, read.activities, finished_events=plan.refresh_events, cursor=read.cursor
        )
        if read.cursor is not None:
            self.window.committed(read)
        return outcome
