"""One contact's stored history, read in one transaction: what `connector contact` shows.

Score history is not kept as such: the contacts table holds the current
scores, and each write-back effect carries the score properties leadflow
planned and sent, with its times. The timeline reads those effects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, or_, select

from connector.domain import Activity
from connector.store.contacts import _stored
from connector.store.records import StoredContact, TransitionRecord
from connector.store.tables import contacts, outbox_effects, transitions


@dataclass(frozen=True, slots=True)
class StoredEffect:
    """An outbox effect as an auditor reads it. `result_id` is HubSpot's id of what
    it created (a task id, an email send's status id); `payload` what was planned."""

    key: str
    kind: str
    state: str
    created_at: datetime
    due_at: datetime
    sent_at: datetime | None
    result_id: str | None
    attempts: int
    error: str | None
    transition_id: str | None
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ContactTimeline:
    """Everything stored about one contact, each list oldest first."""

    contact: StoredContact
    email: str | None
    evaluated_at: datetime | None
    config_version: str | None
    activities: list[Activity]
    transitions: list[TransitionRecord]
    effects: list[StoredEffect]


class TimelineQueries:
    def contact_timeline(self, id_or_email: str) -> ContactTimeline | None:
        """The stored contact with this HubSpot id or e-mail (any case), with its
        activity, transitions and effects; None when no such contact is stored."""
        with self.reading() as connection:
            row = connection.execute(
                select(contacts).where(
                    or_(
                        contacts.c.id == id_or_email,
                        func.lower(contacts.c.email) == id_or_email.strip().lower(),
                    )
                )
            ).first()
            if row is None:
                return None
            return ContactTimeline(
                contact=_stored(row),
                email=row.email,
                evaluated_at=row.evaluated_at,
                config_version=row.config_version,
                activities=self.activities_of(connection, [row.id]).get(row.id, []),
                transitions=_transitions(connection, row.id),
                effects=_effects(connection, row.id),
            )


def _transitions(connection: Connection, contact_id: str) -> list[TransitionRecord]:
    rows = connection.execute(
        select(transitions)
        .where(transitions.c.contact_id == contact_id)
        .order_by(transitions.c.at, transitions.c.id)
    )
    return [TransitionRecord(**row._mapping) for row in rows]


def _effects(connection: Connection, contact_id: str) -> list[StoredEffect]:
    columns = outbox_effects.c
    rows = connection.execute(
        select(
            columns.idempotency_key.label("key"),
            columns.kind,
            columns.state,
            columns.created_at,
            columns.due_at,
            columns.sent_at,
            columns.result_id,
            columns.attempts,
            columns.error,
            columns.transition_id,
            columns.payload,
        )
        .where(columns.contact_id == contact_id)
        .order_by(columns.created_at, columns.id)
    )
    return [StoredEffect(**row._mapping) for row in rows]
