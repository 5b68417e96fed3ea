"""The hourly pull: everything that changed in HubSpot since the last pass.

A pass walks a window [since, until] in three phases and checkpoints after
every committed page, so a pass killed half-way resumes where it stopped
instead of reading again what it already stored:

1. activities: every contact's activity in the window, page by page (stored
   idempotently; the checkpoint is the newest occurrence committed);
2. contacts: contacts modified in the window, oldest first, each page judged
   by the Refresher in one transaction with the checkpoint;
3. touched: contacts that got new activity in the window but were not
   modified (so phase 2 did not see them) are read in batches and judged.

Only then does the `contacts` cursor move to `until`. The window starts a few
minutes before the cursor, so a clock skew between HubSpot and us loses nothing.
A full pass (`--full`, or the first run) starts at the epoch and also forgets
local contacts that HubSpot deleted or merged away.

A contact HubSpot merged others into is judged on the activity of all:
HubSpot files the merged-away contacts' activity under it, but leadflow holds
that activity under the old ids (so phase 1 skipped it as already stored).
Wherever a pass meets a merge (phase 2, by stored ids a changed contact's
`hs_merged_object_ids` lists; phase 3 and the full pass's check, by the ids
the gateway reports merged), the old ids are forgotten and the merged
contact's activity is read afresh before it is judged.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog

from connector.domain import Activity
from connector.hubspot import Gateway
from connector.store import Store
from connector.sync.refresh import Refresher, RefreshOutcome

log = structlog.get_logger(__name__)
CURSOR = "contacts"
PASS = "sync.pass"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
OVERLAP = timedelta(minutes=5)
READ_BATCH = 100
MERGED_IDS = "hs_merged_object_ids"  # HubSpot's `;`-separated ids merged into a contact


@dataclass
class PassState:
    """Where a pass is; saved as JSON in the `sync.pass` cursor after every page."""

    since: datetime
    until: datetime
    started: datetime
    full: bool
    phase: str = "activities"
    position: datetime | None = None

    def dump(self) -> str:
        return json.dumps(
            {k: v.isoformat() if isinstance(v, datetime) else v for k, v in self.__dict__.items()}
        )

    @classmethod
    def load(cls, raw: str) -> PassState:
        data = json.loads(raw)
        for key in ("since", "until", "started", "position"):
            data[key] = datetime.fromisoformat(data[key]) if data.get(key) else None
        return cls(**data)


@dataclass
class SyncOutcome:
    contacts: int = 0
    activities_pages: int = 0
    forgotten: int = 0
    judged: RefreshOutcome = RefreshOutcome()
    resumed: bool = False


PROGRESS_EVERY = 1000


class ProgressLog:
    """The progress report when none is given: a `sync.progress` log line every 1,000
    items a phase reads, for runs without a progress bar (services, cron, CI)."""

    def __init__(self) -> None:
        self.done: dict[str, int] = {}

    def __call__(self, phase: str, count: int) -> None:
        before = self.done.get(phase, 0)
        self.done[phase] = before + count
        if self.done[phase] // PROGRESS_EVERY > before // PROGRESS_EVERY:
            log.info("sync.progress", phase=phase, done=self.done[phase])


class Puller:
    def __init__(
        self,
        store: Store,
        gateway: Gateway,
        refresher: Refresher,
        clock: Callable[[], datetime],
        progress: Callable[[str, int], None] | None = None,
    ) -> None:
        self.store, self.gateway, self.refresher = store, gateway, refresher
        self.clock, self.progress = clock, progress
        self._report: Callable[[str, int], None] = ProgressLog()

    def run(self, full: bool = False) -> SyncOutcome:
        """One pass; resumes an unfinished one (of the same kind) first."""
        self._report = self.progress or ProgressLog()
        saved = self.store.cursor(PASS)
        state = PassState.load(saved) if saved else None
        outcome = SyncOutcome(resumed=state is not None and (state.full or not full))
        if not outcome.resumed:
            last = None if full else self.store.cursor(CURSOR)
            since = datetime.fromisoformat(last) - OVERLAP if last else EPOCH
            now = self.clock()
            state = PassState(since=since, until=now, started=now, full=full or not last)
        log.info(
            "sync.started",
            since=state.since.isoformat(),
            until=state.until.isoformat(),
            full=state.full,
            resumed=outcome.resumed,
        )
        phases = {
            "activities": self._activities,
            "contacts": self._contacts,
            "touched": self._touched,
        }
        order = list(phases)
        for phase in order[order.index(state.phase) :]:
            if state.phase != phase:
                state.phase, state.position = phase, None
            phases[phase](state, outcome)
        if state.full:
            outcome.forgotten = self._forget_deleted(state)
        with self.store.writing() as connection:
            self.store.save_cursor(connection, CURSOR, state.until.isoformat(), self.clock())
            self.store.save_cursor(connection, PASS, "", self.clock())
        log.info(
            "sync.finished",
            contacts=outcome.contacts,
            evaluated=outcome.judged.evaluated,
            transitions=outcome.judged.transitions,
            effects=outcome.judged.effects,
        )
        return outcome

    def _checkpoint(self, state: PassState, position: datetime) -> tuple[str, str]:
        state.position = max(position, state.position or position)
        return PASS, state.dump()

    def _activities(self, state: PassState, outcome: SyncOutcome) -> None:
        for page in self.gateway.activities_since(state.position or state.since, state.until):
            if not page:
                continue
            newest = max(a.occurred_at for a in page)
            self.refresher.apply([], page, cursor=self._checkpoint(state, newest))
            outcome.activities_pages += 1
            self._report("activities", len(page))

    def _contacts(self, state: PassState, outcome: SyncOutcome) -> None:
        for page in self.gateway.changed_contacts(state.position or state.since, state.until):
            live = [c for c in page if not c.archived]
            newest = max((c.updated_at for c in page if c.updated_at), default=state.since)
            merged = {
                old: contact.id
                for contact in live
                for old in contact.properties.get(MERGED_IDS, "").split(";")
                if old and self.store.find_contact(old) is not None
            }
            outcome.judged += self.refresher.apply(
                live, self._absorb(merged), cursor=self._checkpoint(state, newest)
            )
            outcome.contacts += len(live)
            self._report("contacts", len(live))

    def _touched(self, state: PassState, outcome: SyncOutcome) -> None:
        for ids in self._batches(
            self.store.contacts_with_activity_between(
                state.since, state.until, not_judged_since=state.started
            )
        ):
            fresh = self.gateway.read_contacts(ids)
            live = [c for c in fresh.contacts if not c.archived]
            outcome.judged += self.refresher.apply(
                live, self._absorb(fresh.merged), cursor=(PASS, state.dump())
            )
            outcome.contacts += len(live)
            self._report("contacts", len(live))

    def _forget_deleted(self, state: PassState) -> int:
        """After a full pass, contacts not seen in it are checked; the gone are forgotten."""
        forgotten = 0
        for ids in self._batches(self.store.contacts_not_judged_since(state.started)):
            fresh = self.gateway.read_contacts(ids)
            gone = fresh.missing + [c.id for c in fresh.contacts if c.archived]
            with self.store.writing() as connection:
                for contact_id in gone:
                    self.store.forget_contact(connection, contact_id, privacy=False)
            forgotten += len(gone) + len(fresh.merged)
            live = [c for c in fresh.contacts if not c.archived]
            self.refresher.apply(live, self._absorb(fresh.merged))
        return forgotten

    def _absorb(self, merged: dict[str, str]) -> list[Activity]:
        """Forget the contacts HubSpot merged away (old id -> id merged into) and return
        the whole activity of the contacts they were merged into, read afresh. (Should the
        process die before that judgment commits, the next full pass reads it again.)"""
        if not merged:
            return []
        with self.store.writing() as connection:
            for contact_id in merged:
                self.store.forget_contact(connection, contact_id, privacy=False)
        return self.gateway.activities_of(sorted(set(merged.values())))

    @staticmethod
    def _batches(ids: Iterator[str]) -> Iterator[list[str]]:
        batch: list[str] = []
        for contact_id in ids:
            batch.append(contact_id)
            if len(batch) == READ_BATCH:
                yield batch
                batch = []
        if batch:
            yield batch
