"""Contacts, their activity and their stage history, as the engine needs them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Connection, bindparam, delete, func, or_, select, update

from connector.domain import Activity, ActivityKind, Contact
from connector.store.records import StoredContact, TransitionRecord
from connector.store.tables import activities, contacts, outbox_effects, transitions
from connector.store.upsert import count_new, upsert

NURTURE_KEY_PREFIXES = ("nurture:", "personal-email:")

# Run for every write-back batch (and every contact a simulation plans): built once.
_CONTACT_ID, _WRITTEN = "b_contact_id", "b_written"
_REMEMBER_WRITTEN = (
    update(contacts)
    .where(contacts.c.id == bindparam(_CONTACT_ID))
    .values(written_properties=bindparam(_WRITTEN))
)
_WRITTEN_OF = select(contacts.c.id, contacts.c.written_properties).where(
    contacts.c.id.in_(bindparam("ids", expanding=True))
)
# Activity is read for every judgment: only the columns a history needs, unpacked
# as tuples, with the kind looked up rather than parsed.
ACTIVITY_KINDS = {str(kind): kind for kind in ActivityKind}
_ACTIVITIES = select(
    activities.c.contact_id,
    activities.c.kind,
    activities.c.occurred_at,
    activities.c.source_id,
    activities.c.details,
).order_by(activities.c.occurred_at, activities.c.id)


def _stored(row) -> StoredContact:
    return StoredContact(
        id=row.id,
        properties=row.properties,
        stage=row.stage,
        owner_id=row.owner_id,
        fit_score=row.fit_score,
        engagement_score=row.engagement_score,
        score=row.score,
        model=row.model,
        persona=row.persona,
        recycled_at=row.recycled_at,
        written_properties=row.written_properties or {},
        hubspot_updated_at=row.hubspot_updated_at,
    )


class ContactQueries:
    def save_activities(self, connection: Connection, found: Iterable[Activity]) -> int:
        """Keep activities not seen before (HubSpot's id per kind decides); return how many."""
        rows = [
            {
                "contact_id": a.contact_id,
                "kind": str(a.kind),
                "occurred_at": a.occurred_at,
                "source_id": a.source_id,
                "details": dict(a.details),
            }
            for a in found
        ]
        return count_new(connection, activities, rows, ["kind", "source_id"])

    def activities_of(
        self, connection: Connection, contact_ids: Sequence[str]
    ) -> dict[str, list[Activity]]:
        """Every stored activity of these contacts, oldest first."""
        found: dict[str, list[Activity]] = defaultdict(list)
        rows = connection.execute(_ACTIVITIES.where(activities.c.contact_id.in_(contact_ids)))
        for contact_id, kind, occurred_at, source_id, details in rows:
            found[contact_id].append(
                Activity(contact_id, ACTIVITY_KINDS[kind], occurred_at, source_id, details)
            )
        return found

    def stored_contacts(
        self, connection: Connection, contact_ids: Sequence[str]
    ) -> dict[str, StoredContact]:
        rows = connection.execute(select(contacts).where(contacts.c.id.in_(contact_ids)))
        return {row.id: _stored(row) for row in rows}

    def find_contact(self, id_or_email: str) -> StoredContact | None:
        with self.reading() as connection:
            row = connection.execute(
                select(contacts).where(
                    or_(
                        contacts.c.id == id_or_email,
                        func.lower(contacts.c.email) == id_or_email.lower(),
                    )
                )
            ).first()
            return _stored(row) if row else None

    def save_contacts(
        self, connection: Connection, judged: Sequence[tuple[Contact, dict]], now: datetime
    ) -> None:
        """Insert or update contacts with what the engine concluded (each one's `values`
        columns, the same names for all); columns not named keep their stored value."""
        upsert(
            connection,
            contacts,
            [
                {
                    "id": contact.id,
                    "email": contact.email,
                    "properties": dict(contact.properties),
                    "owner_id": contact.owner_id,
                    "lead_source": contact.properties.get("hs_analytics_source") or None,
                    "hubspot_updated_at": contact.updated_at,
                    "updated_at": now,
                    **values,
                }
                for contact, values in judged
            ],
            "id",
        )

    def remember_written(self, connection: Connection, written: dict[str, dict[str, str]]) -> None:
        """Record what leadflow wrote to HubSpot (properties by contact id), so unchanged
        values are not sent again; a contact no longer stored is skipped."""
        if not written:
            return
        stored = self.written_of(connection, list(written))
        rows = [
            {_CONTACT_ID: contact_id, _WRITTEN: {**(stored[contact_id] or {}), **properties}}
            for contact_id, properties in written.items()
            if contact_id in stored
        ]
        if rows:
            connection.execute(_REMEMBER_WRITTEN, rows)

    def written_of(
        self, connection: Connection, contact_ids: Sequence[str]
    ) -> dict[str, dict[str, str] | None]:
        """What leadflow last wrote to HubSpot for these stored contacts (None: nothing)."""
        return dict(connection.execute(_WRITTEN_OF, {"ids": list(contact_ids)}).all())

    def record_transitions(
        self, connection: Connection, records: Sequence[TransitionRecord]
    ) -> int:
        """Keep each transition once (its id is deterministic); return how many are new."""
        rows = [
            {
                "id": t.id,
                "contact_id": t.contact_id,
                "from_stage": t.from_stage,
                "to_stage": t.to_stage,
                "kind": t.kind,
                "at": t.at,
                "reasons": t.reasons,
                "config_version": t.config_version,
            }
            for t in records
        ]
        return count_new(connection, transitions, rows, ["id"])

    def recycle_counts(self, connection: Connection, contact_ids: Sequence[str]) -> dict[str, int]:
        return dict(
            connection.execute(
                select(transitions.c.contact_id, func.count())
                .where(transitions.c.contact_id.in_(contact_ids), transitions.c.kind == "recycle")
                .group_by(transitions.c.contact_id)
            ).all()
        )

    def transitions_of(self, contact_id: str) -> list[TransitionRecord]:
        with self.reading() as connection:
            rows = connection.execute(
                select(transitions)
                .where(transitions.c.contact_id == contact_id)
                .order_by(transitions.c.at)
            )
            return [
                TransitionRecord(
                    r.id,
                    r.contact_id,
                    r.from_stage,
                    r.to_stage,
                    r.kind,
                    r.at,
                    r.reasons,
                    r.config_version,
                )
                for r in rows
            ]

    def nurture_effects(
        self, connection: Connection, contact_ids: Sequence[str]
    ) -> dict[str, list]:
        """Nurture emails (or personal-email tasks) planned for these contacts, any state."""
        found: dict[str, list] = defaultdict(list)
        rows = connection.execute(
            select(
                outbox_effects.c.contact_id,
                outbox_effects.c.idempotency_key,
                outbox_effects.c.payload,
                outbox_effects.c.state,
                outbox_effects.c.due_at,
                outbox_effects.c.sent_at,
            )
            .where(
                outbox_effects.c.contact_id.in_(contact_ids),
                or_(
                    *(outbox_effects.c.idempotency_key.startswith(p) for p in NURTURE_KEY_PREFIXES)
                ),
            )
            .order_by(outbox_effects.c.due_at)
        )
        for row in rows:
            found[row.contact_id].append(row)
        return found

    def owner_loads(self, connection: Connection, stage: str) -> dict[str, int]:
        """How many contacts at `stage` each owner holds (the round robin's memory)."""
        return dict(
            connection.execute(
                select(contacts.c.owner_id, func.count())
                .where(contacts.c.stage == stage, contacts.c.owner_id.is_not(None))
                .group_by(contacts.c.owner_id)
            ).all()
        )

    def stage_entries_since(self, connection: Connection, stage: str, since: datetime) -> int:
        return connection.execute(
            select(func.count())
            .select_from(transitions)
            .where(
                transitions.c.to_stage == stage,
                transitions.c.kind == "advance",
                transitions.c.at >= since,
            )
        ).scalar_one()

    def forget_contact(self, connection: Connection, contact_id: str, privacy: bool) -> None:
        """Remove a deleted contact; a privacy deletion also erases its history.

        Effects not yet sent are cancelled either way: pending, parked (HubSpot may
        have refused one because the contact was already gone) and in flight, whose
        claim is revoked so a worker still holding one cannot record or retry it,
        and one whose worker died is never reconciled. On a privacy deletion every
        effect's payload (addresses, rendered text) is blanked too.
        """
        connection.execute(delete(activities).where(activities.c.contact_id == contact_id))
        connection.execute(delete(contacts).where(contacts.c.id == contact_id))
        effects = outbox_effects.c.contact_id == contact_id
        connection.execute(
            update(outbox_effects)
            .where(effects, outbox_effects.c.state.in_(["pending", "sending", "parked"]))
            .values(state="cancelled", error="contact deleted", claimed_by=None, claimed_until=None)
        )
        if privacy:
            connection.execute(delete(transitions).where(transitions.c.contact_id == contact_id))
            connection.execute(update(outbox_effects).where(effects).values(payload={}))

    def contacts_with_activity_between(
        self, since: datetime, until: datetime, not_judged_since: datetime
    ) -> list[str]:
        """Stored contacts with activity in [since, until] not evaluated since a time."""
        with self.reading() as connection:
            return list(
                connection.execute(
                    select(activities.c.contact_id)
                    .distinct()
                    .join(contacts, contacts.c.id == activities.c.contact_id, isouter=True)
                    .where(
                        activities.c.occurred_at >= since,
                        activities.c.occurred_at <= until,
                        or_(
                            contacts.c.evaluated_at.is_(None),
                            contacts.c.evaluated_at < not_judged_since,
                        ),
                    )
                    .order_by(activities.c.contact_id)
                ).scalars()
            )

    def contacts_not_judged_since(self, moment: datetime) -> list[str]:
        with self.reading() as connection:
            return list(
                connection.execute(
                    select(contacts.c.id)
                    .where(contacts.c.evaluated_at < moment)
                    .order_by(contacts.c.id)
                ).scalars()
            )

    def contact_history(
        self, id_or_email: str
    ) -> tuple[Contact, list[Activity], datetime | None] | None:
        """One stored contact (by id or email) with its activity and recycle time."""
        stored = self.find_contact(id_or_email)
        if stored is None:
            return None
        with self.reading() as connection:
            found = self.activities_of(connection, [stored.id])
        contact = Contact(stored.id, stored.properties, stored.hubspot_updated_at)
        return contact, found.get(stored.id, []), stored.recycled_at

    def contact_count(self) -> int:
        with self.reading() as connection:
            return connection.execute(select(func.count()).select_from(contacts)).scalar_one()
