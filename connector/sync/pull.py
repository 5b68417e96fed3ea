"""The hourly pull: everything that changed in HubSpot since the last pass.

A pass covers a window [since, until] and checkpoints after every committed page,
so a pass killed half-way resumes where it stopped instead of reading again what
it already stored:

1. walk: two streams are read at once, each ahead in its own thread under its
   own rate budget: contacts modified in the window, oldest first (search), and
   every contact's activity in the window, oldest first (the general budget).
   Activity pages are stored as they come; a page of contacts is judged by the
   Refresher (one transaction with the checkpoint) once the activity up to its
   newest modification time is stored, because HubSpot moves a contact's
   last-modified time with each activity (its roll-up properties): by then its
   whole history in the window is in, and it is judged once.
   An email event names an address. One the gateway has not learned yet is not
   looked up: it waits in `Strangers` until the walk reaches its contact and is
   stored in that contact's judgment, so a first pass looks up no recipient.
   Those still waiting when the walk ends (a contact modified after `until`, an
   address of no contact, or more than `Strangers` holds) are read again with
   look-ups and their contacts judged.
2. touched: contacts that got new activity in the window but were not modified
   (so the walk did not judge them) are read in batches and judged.

Only then does the `contacts` cursor move to `until`. The window starts a few
minutes before the cursor, so a clock skew between HubSpot and us loses nothing.
The checkpoint holds both streams' positions; the activity's never passes an
email event still waiting (it is read again on resume). A full pass (`--full`,
or the first run) starts at the epoch and also forgets local contacts that
HubSpot deleted or merged away.

A contact HubSpot merged others into is judged on the activity of all:
HubSpot files the merged-away contacts' activity under it, but leadflow holds
that activity under the old ids (so the walk skipped it as already stored).
Wherever a pass meets a merge (the walk, by stored ids a changed contact's
`hs_merged_object_ids` lists; `touched` and the full pass's check, by the ids
the gateway reports merged), the old ids are forgotten and the merged
contact's activity is read afresh before it is judged.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog

from connector.domain import Activity, Contact
from connector.hubspot import RECIPIENT, Gateway, attached
from connector.store import Store
from connector.sync.read_ahead import ReadAhead
from connector.sync.refresh import Refresher, RefreshOutcome

log = structlog.get_logger(__name__)
CURSOR = "contacts"
PASS = "sync.pass"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
OVERLAP = timedelta(minutes=5)
READ_BATCH = 100
MERGED_IDS = "hs_merged_object_ids"  # HubSpot's `;`-separated ids merged into a contact
# Search is the scarcer budget: its pages are read further ahead, so it never idles.
CONTACT_PAGES_AHEAD = 5
STRANGERS_HELD = 50_000  # email events waiting for their contact, at most (memory)
PHASES = ("walk", "touched")
# A pass saved by an earlier version, which read all activity before the contacts.
EARLIER_PHASES = {"activities": "walk", "contacts": "walk"}


@dataclass
class PassState:
    """Where a pass is; saved as JSON in the `sync.pass` cursor after every page.

    `position` is the newest modification time of the contacts judged, `activities`
    the time up to which every activity of the window is stored.
    """

    since: datetime
    until: datetime
    started: datetime
    full: bool
    phase: str = "walk"
    position: datetime | None = None
    activities: datetime | None = None

    def dump(self) -> str:
        return json.dumps(
            {k: v.isoformat() if isinstance(v, datetime) else v for k, v in self.__dict__.items()}
        )

    @classmethod
    def load(cls, raw: str) -> PassState:
        data = json.loads(raw)
        for key in ("since", "until", "started", "position", "activities"):
            data[key] = datetime.fromisoformat(data[key]) if data.get(key) else None
        if data["phase"] == "activities":
            data["activities"], data["position"] = data["position"], None
        elif data["phase"] == "contacts":
            data["activities"] = data["until"]
        data["phase"] = EARLIER_PHASES.get(data["phase"], data["phase"])
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


class Strangers:
    """Email events of addresses not learned yet, held by address until the walk reaches
    their contact; past `limit`, the oldest are let go and only their span is kept (to be
    read again with look-ups)."""

    def __init__(self, limit: int = STRANGERS_HELD) -> None:
        self.limit = limit
        self._held: dict[str, list[Activity]] = defaultdict(list)
        self._count = 0
        self.let_go: tuple[datetime, datetime] | None = None

    def hold(self, activities: Iterable[Activity]) -> None:
        for activity in activities:
            self._held[activity.details[RECIPIENT]].append(activity)
            self._count += 1
        if self._count > self.limit:
            self._let_go_oldest(self._count - self.limit // 2)

    def claim(self, contacts: Iterable[Contact]) -> list[Activity]:
        """The held events of these contacts, attached to them and no longer held."""
        found = []
        for contact in contacts:
            for activity in self._held.pop((contact.email or "").lower(), ()):
                found.append(attached(activity, contact.id))
        self._count -= len(found)
        return found

    def oldest(self) -> datetime | None:
        moments = [a.occurred_at for held in self._held.values() for a in held]
        if self.let_go:
            moments.append(self.let_go[0])
        return min(moments, default=None)

    def span(self) -> tuple[datetime, datetime] | None:
        """From the oldest to the newest event never claimed, held or let go."""
        moments = [a.occurred_at for held in self._held.values() for a in held]
        moments.extend(self.let_go or ())
        return (min(moments), max(moments)) if moments else None

    def ids(self) -> set[str]:
        return {a.source_id for held in self._held.values() for a in held}

    def _let_go_oldest(self, count: int) -> None:
        """Let go of at least `count` events, the addresses waiting longest first."""
        moments = list(self.let_go or ())
        for address in sorted(self._held, key=lambda a: self._held[a][0].occurred_at):
            if count <= 0:
                break
            held = self._held.pop(address)
            moments.extend(a.occurred_at for a in held)
            self._count -= len(held)
            count -= len(held)
        self.let_go = (min(moments), max(moments))


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
        phases = {"walk": self._walk, "touched": self._touched}
        for phase in PHASES[PHASES.index(state.phase) :]:
            state.phase = phase
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

    def _walk(self, state: PassState, outcome: SyncOutcome) -> None:
        """Phase 1 (module docstring): both streams read ahead; each page of contacts is
        judged once the activity up to its newest modification is stored."""
        strangers = Strangers()
        changed = self.gateway.changed_contacts(state.position or state.since, state.until)
        activity = self.gateway.activities_since(
            state.activities or state.since, state.until, look_up=False
        )
        with (
            ReadAhead(changed, CONTACT_PAGES_AHEAD, "sync-contacts") as contacts,
            ReadAhead(activity, name="sync-activities") as activities,
        ):
            pages = (page for page in activities if page)
            stored_to: datetime | None = state.activities
            for page in contacts:
                newest = max((c.updated_at for c in page if c.updated_at), default=state.since)
                while stored_to is None or stored_to <= newest:
                    stored_to = self._store_activities(next(pages, None), state, strangers)
                    outcome.activities_pages += stored_to is not None
                    if stored_to is None:
                        stored_to = state.until + timedelta(microseconds=1)
                self._judge_page(page, newest, state, strangers, outcome)
            for found in pages:
                self._store_activities(found, state, strangers)
                outcome.activities_pages += 1
        self._claim_strangers(strangers, state, outcome)

    def _store_activities(
        self, page: list[Activity] | None, state: PassState, strangers: Strangers
    ) -> datetime | None:
        """Store a page of activity (its strangers wait); return the time up to which all
        activity is now in, or None at the end of the stream."""
        if page is None:
            return None
        newest = max(a.occurred_at for a in page)
        strangers.hold(a for a in page if not a.contact_id)
        state.activities = min(newest, strangers.oldest() or newest)
        self.refresher.apply([], [a for a in page if a.contact_id], cursor=(PASS, state.dump()))
        self._report("activities", len(page))
        return newest

    def _judge_page(
        self,
        page: list[Contact],
        newest: datetime,
        state: PassState,
        strangers: Strangers,
        outcome: SyncOutcome,
    ) -> None:
        live = [c for c in page if not c.archived]
        merged = {
            old: contact.id
            for contact in live
            for old in contact.properties.get(MERGED_IDS, "").split(";")
            if old and self.store.find_contact(old) is not None
        }
        found = strangers.claim(live) + self._absorb(merged)
        state.position = max(newest, state.position or newest)
        outcome.judged += self.refresher.apply(live, found, cursor=(PASS, state.dump()))
        outcome.contacts += len(live)
        self._report("contacts", len(live))

    def _claim_strangers(
        self, strangers: Strangers, state: PassState, outcome: SyncOutcome
    ) -> None:
        """Email events no walked contact claimed: read again with look-ups, then their
        contacts are read and judged."""
        span = strangers.span()
        if span is None:
            return
        waiting = strangers.ids()
        let_go = strangers.let_go
        found = [
            a
            for page in self.gateway.email_activities_since(*span)
            for a in page
            if a.source_id in waiting or (let_go and let_go[0] <= a.occurred_at <= let_go[1])
        ]
        log.info("sync.strangers", events=len(found))
        by_contact: dict[str, list[Activity]] = defaultdict(list)
        for activity in found:
            by_contact[activity.contact_id].append(activity)
        for ids in self._batches(iter(sorted(by_contact))):
            fresh = self.gateway.read_contacts(ids)
            live = [c for c in fresh.contacts if not c.archived]
            news = [a for contact_id in ids for a in by_contact[contact_id]]
            outcome.judged += self.refresher.apply(
                live, news + self._absorb(fresh.merged), cursor=(PASS, state.dump())
            )
            outcome.contacts += len(live)

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
