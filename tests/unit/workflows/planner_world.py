"""A small named world for the planner tests: the shipped config, a clock, owners,
contacts with activity, and an outbox that behaves like the store's.

Evaluations come from the real engine over the shipped config, so each test
reads like what happens to a contact, not like hand-built verdicts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import cache
from itertools import count
from pathlib import Path
from zoneinfo import ZoneInfo

from connector.domain import Activity, ActivityKind, Contact, Effect, EffectKind, Owner
from connector.lifecycle import Evaluation, evaluate
from connector.workflows import Config, ConfigError, parse_config, read_config_files
from connector.workflows.planner import ContactState, FunnelState, Plan, PlannedStep, plan

SHIPPED = Path(__file__).resolve().parents[3] / "config"
NEW_YORK_TZ = "america_slash_new_york"
# Monday 2026-11-23, 10:00 in New York (the shipped portal zone)
MONDAY = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
OWNERS = (
    Owner("101", "sam.seller@example.com", "Sam", "Seller"),
    Owner("102", "ria.rep@example.com", "Ria", "Rep"),
    Owner("103", "ola.owner@example.com", "Ola", "Owner"),
    Owner("104", "kai.closer@example.com", "Kai", "Closer"),
)


@cache
def _shipped_files() -> tuple[tuple[str, bytes], ...]:
    return tuple(sorted(read_config_files(SHIPPED).items()))


def shipped_files() -> dict[str, str | bytes]:
    return dict(_shipped_files())


def edit(name: str, old: str, new: str, files: dict | None = None) -> dict[str, str | bytes]:
    """The shipped files with one text replaced in one of them (which must contain it)."""
    files = dict(files or shipped_files())
    raw = files[name]
    text = raw.decode() if isinstance(raw, bytes) else raw
    assert old in text, f"{name} does not contain {old!r}"
    files[name] = text.replace(old, new, 1)
    return files


def errors_of(files: dict[str, str | bytes]) -> list[str]:
    try:
        parse_config(files, origin="config/")
    except ConfigError as error:
        return list(error.errors)
    return []


def config_of(files: dict[str, str | bytes]) -> Config:
    return parse_config(files, origin="config/")


@cache
def shipped() -> Config:
    return config_of(shipped_files())


_ids = count(1)


def new_york(text: str) -> datetime:
    """A wall-clock time in New York as a UTC instant ("2026-11-23 10:00")."""
    local = datetime.fromisoformat(text).replace(tzinfo=ZoneInfo("America/New_York"))
    return local.astimezone(UTC)


def act(contact_id: str, kind: str, at: datetime, **details: str) -> Activity:
    return Activity(contact_id, ActivityKind(kind), at, f"event-{next(_ids)}", details)


@dataclass
class Person:
    """A contact and what HubSpot knows of it, changed as the story goes on."""

    id: str
    properties: dict[str, str]
    activities: list[Activity] = field(default_factory=list)

    @property
    def contact(self) -> Contact:
        return Contact(self.id, dict(self.properties))

    def does(self, kind: str, at: datetime, **details: str) -> Person:
        self.activities.append(act(self.id, kind, at, **details))
        self.activities.sort(key=lambda item: item.occurred_at)
        return self


def person(contact_id: str = "c1", **properties: str) -> Person:
    base = {
        "email": f"{contact_id}@acme.example",
        "firstname": "Jane",
        "lastname": "Doe",
        "lifecyclestage": "subscriber",
        "hs_timezone": NEW_YORK_TZ,
    }
    return Person(contact_id, {**base, **properties})


def new_lead(contact_id: str = "c1", at: datetime = MONDAY, **properties: str) -> Person:
    """Someone who just downloaded the ebook."""
    return person(contact_id, **properties).does("form_submission", at, form_name="Ebook download")


def sql_lead(contact_id: str = "c1", at: datetime = MONDAY, **properties: str) -> Person:
    """A director with a budget and a challenge who asks for a demo: meets the SQL checklist."""
    qualified = {
        "jobtitle": "Director of Marketing",
        "budget": "yes",
        "challenge": "Leads wait days before anyone calls them",
        **properties,
    }
    return new_lead(contact_id, at - timedelta(days=3), **qualified).does(
        "form_submission", at, form_name="Request a demo"
    )


@dataclass
class Row:
    """One outbox row, as the store keeps it."""

    effect: Effect
    state: str = "pending"
    sent_at: datetime | None = None


@dataclass
class Outbox:
    """The store's outbox, kept in memory: keys unique for ever, cancellation by
    prefix, effects "sent" once due. Also remembers written properties and recycles."""

    rows: dict[str, Row] = field(default_factory=dict)
    written: dict[str, dict[str, str]] = field(default_factory=dict)
    episodes: dict[str, int] = field(default_factory=dict)
    recycled_at: dict[str, datetime] = field(default_factory=dict)

    def apply(self, contact_id: str, planned: Plan) -> None:
        for prefix in planned.cancel_keys_with_prefix:
            for key, row in self.rows.items():
                same = row.effect.contact_id == contact_id
                if same and row.state == "pending" and key.startswith(prefix):
                    row.state = "cancelled"
        for effect in planned.effects:
            self.rows.setdefault(effect.idempotency_key, Row(effect))

    def dispatch(self, now: datetime, people: dict[str, Person]) -> list[Effect]:
        """Send every due pending effect; write-backs change the person's properties."""
        sent = []
        for row in sorted(self.rows.values(), key=lambda row: row.effect.due_at):
            if row.state == "pending" and row.effect.due_at <= now:
                row.state, row.sent_at = "sent", now
                effect = row.effect
                if effect.kind == EffectKind.UPDATE_CONTACT:
                    changes = effect.payload["properties"]
                    people[effect.contact_id].properties.update(changes)
                    self.written.setdefault(effect.contact_id, {}).update(changes)
                sent.append(effect)
        return sent

    def of(self, contact_id: str, prefix: str = "", state: str | None = None) -> list[Row]:
        return [
            row
            for key, row in self.rows.items()
            if row.effect.contact_id == contact_id
            and key.startswith(prefix)
            and (state is None or row.state == state)
        ]

    def state_of(self, who: Person, now: datetime, evaluation: Evaluation) -> ContactState:
        """What the lead's sync gathers from the store before calling `plan`."""
        episode = self.episodes.get(who.id, 0) + (1 if evaluation.newly_recycled else 0)
        nurture = [
            row
            for row in self.of(who.id)
            if row.effect.idempotency_key.startswith(("nurture:", "personal-email:"))
        ]
        return ContactState(
            contact=who.contact,
            activities=tuple(who.activities),
            written=dict(self.written.get(who.id, {})),
            nurture=[
                PlannedStep(
                    row.effect.idempotency_key,
                    int(row.effect.payload.get("step", 0)),
                    row.state,
                    row.effect.due_at,
                )
                for row in nurture
            ],
            episode=episode,
            emails_sent_last_7_days=sum(
                1
                for row in nurture
                if row.sent_at is not None and row.sent_at >= now - timedelta(days=7)
            ),
        )


@dataclass
class Portal:
    """The lead's refresh loop in miniature: evaluate, plan, apply; dispatch on demand."""

    config: Config = field(default_factory=shipped)
    outbox: Outbox = field(default_factory=Outbox)
    people: dict[str, Person] = field(default_factory=dict)
    owners: Sequence[Owner] = OWNERS
    assignments: dict[str, int] = field(default_factory=dict)
    new_leads_today: int = 100

    def add(self, who: Person) -> Person:
        self.people[who.id] = who
        return who

    def evaluate(self, who: Person, now: datetime) -> Evaluation:
        return evaluate(
            who.contact,
            who.activities,
            self.config.ruleset,
            now,
            recycled_at=self.outbox.recycled_at.get(who.id),
        )

    def refresh(self, who: Person, now: datetime) -> Plan:
        evaluation = self.evaluate(who, now)
        state = self.outbox.state_of(who, now, evaluation)
        transition = evaluation.transition
        transition_id = f"t:{who.id}:{transition.to_stage}:{state.episode}" if transition else None
        funnel = FunnelState(self.owners, dict(self.assignments), self.new_leads_today)
        planned = plan(evaluation, state, funnel, self.config, transition_id, now)
        self.outbox.apply(who.id, planned)
        if evaluation.newly_recycled:
            self.outbox.episodes[who.id] = state.episode
        if evaluation.recycled:
            self.outbox.recycled_at.setdefault(who.id, evaluation.recycled_at or now)
        else:
            self.outbox.recycled_at.pop(who.id, None)
        if planned.assigned_owner:
            owner = planned.assigned_owner
            self.assignments[owner] = self.assignments.get(owner, 0) + 1
        return planned

    def run(self, start: datetime, days: float, step: timedelta = timedelta(hours=1)) -> list:
        """Replay `days` from `start`: every `step`, refresh everyone, then dispatch.
        Returns every effect sent, in order."""
        sent = []
        now = start
        while now <= start + timedelta(days=days):
            for who in self.people.values():
                self.refresh(who, now)
            sent += self.outbox.dispatch(now, self.people)
            now += step
        return sent


def sends(effects: list[Effect], contact_id: str = "c1") -> list[Effect]:
    return [e for e in effects if e.kind == EffectKind.SEND_EMAIL and e.contact_id == contact_id]


def tasks(effects: list[Effect], purpose: str, contact_id: str = "c1") -> list[Effect]:
    return [
        e
        for e in effects
        if e.kind == EffectKind.CREATE_TASK
        and e.contact_id == contact_id
        and e.payload["purpose"] == purpose
    ]


def with_config(portal: Portal, files: dict[str, str | bytes]) -> Portal:
    return replace(portal, config=config_of(files))
