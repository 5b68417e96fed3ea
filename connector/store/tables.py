"""The schema: one SQLAlchemy Core table per stored idea.

Unique keys decide duplicates (inbox event identity, outbox idempotency key,
scheduler job slot), so a repeat is a normal outcome rather than a race.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.types import TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in and out, on SQLite (which keeps none) as on PostgreSQL."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; pass an aware UTC time")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    # On SQLite one function each way instead of two: SQLAlchemy's DATETIME formats and
    # parses the same text ("2026-11-23 10:00:00.000000") slower, and a sync stores and
    # reads a few hundred thousand of them.
    def bind_processor(self, dialect):
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)
        return _sqlite_text

    def result_processor(self, dialect, coltype):
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)
        return _sqlite_time


def _sqlite_text(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime given to the store; pass an aware UTC time")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _sqlite_time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value).replace(tzinfo=UTC)


UTC_TIME = UTCDateTime(timezone=True)
ID = BigInteger().with_variant(Integer, "sqlite")

contacts = Table(
    "contacts",
    metadata,
    Column("id", String(32), primary_key=True, comment="HubSpot contact id"),
    Column("email", String(320), index=True),
    Column("properties", JSON, nullable=False),
    Column("owner_id", String(32)),
    Column("stage", String(64)),
    Column("fit_score", Float),
    Column("engagement_score", Float),
    Column("score", Float),
    Column("model", String(128)),
    Column("persona", String(128)),
    Column("lead_source", String(64)),
    Column("recycled_at", UTC_TIME),
    Column("hubspot_updated_at", UTC_TIME),
    Column("evaluated_at", UTC_TIME),
    Column("config_version", String(32)),
    Column("written_properties", JSON, comment="what leadflow last wrote to HubSpot"),
    Column("updated_at", UTC_TIME, nullable=False),
    Index("ix_contacts_stage_owner", "stage", "owner_id"),
)

activities = Table(
    "activities",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("contact_id", String(32), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("occurred_at", UTC_TIME, nullable=False),
    Column("source_id", String(128), nullable=False, comment="HubSpot's id of the fact"),
    Column("details", JSON, nullable=False),
    UniqueConstraint("kind", "source_id"),
    Index("ix_activities_contact_time", "contact_id", "occurred_at"),
    Index("ix_activities_kind_time", "kind", "occurred_at"),
)

transitions = Table(
    "transitions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("contact_id", String(32), nullable=False, index=True),
    Column("from_stage", String(64)),
    Column("to_stage", String(64), nullable=False),
    Column("kind", String(16), nullable=False, comment="advance | recycle"),
    Column("at", UTC_TIME, nullable=False, index=True),
    Column("reasons", JSON, nullable=False),
    Column("config_version", String(32)),
    Index(
        "ix_transitions_advance_path",
        "contact_id",
        "at",
        "id",
        "to_stage",
        postgresql_where=text("kind = 'advance'"),
        sqlite_where=text("kind = 'advance'"),
    ),
    Index(
        "ix_transitions_advance_time",
        "at",
        "contact_id",
        postgresql_where=text("kind = 'advance'"),
        sqlite_where=text("kind = 'advance'"),
    ),
    Index(
        "ix_transitions_advance_entries",
        "to_stage",
        "at",
        postgresql_where=text("kind = 'advance'"),
        sqlite_where=text("kind = 'advance'"),
    ),
)

inbox_events = Table(
    "inbox_events",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column(
        "identity",
        String(200),
        nullable=False,
        unique=True,
        comment="portalId:subscriptionId:eventId:objectId:occurredAt",
    ),
    Column("subscription_type", String(64), nullable=False),
    Column("object_id", String(32)),
    Column("occurred_at", UTC_TIME),
    Column("payload", JSON, nullable=False),
    Column("received_at", UTC_TIME, nullable=False),
    Column("state", String(16), nullable=False, comment="pending | done | skipped | parked"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("due_at", UTC_TIME, nullable=False),
    Column("claimed_by", String(64)),
    Column("claimed_until", UTC_TIME),
    Column("error", Text),
    Index("ix_inbox_events_state_due", "state", "due_at"),
)

outbox_effects = Table(
    "outbox_effects",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("idempotency_key", String(200), nullable=False, unique=True),
    Column("kind", String(32), nullable=False, comment="update_contact | send_email | create_task"),
    Column("contact_id", String(32), nullable=False),
    Column("transition_id", String(64)),
    Column("payload", JSON, nullable=False),
    Column("created_at", UTC_TIME, nullable=False),
    Column("due_at", UTC_TIME, nullable=False),
    Column(
        "state", String(16), nullable=False, comment="pending | sending | sent | parked | cancelled"
    ),
    Column("attempts", Integer, nullable=False, default=0),
    Column("claimed_by", String(64)),
    Column("claimed_until", UTC_TIME),
    Column("result_id", String(64), comment="HubSpot's id of what was created"),
    Column("sent_at", UTC_TIME),
    Column("error", Text),
    Index("ix_outbox_effects_state_due", "state", "due_at"),
    Index("ix_outbox_effects_kind_sent", "kind", "sent_at"),
    Index("ix_outbox_effects_contact_state", "contact_id", "state"),
)

sync_cursors = Table(
    "sync_cursors",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", UTC_TIME, nullable=False),
)

leases = Table(
    "leases",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("holder", String(64), nullable=False),
    Column("expires_at", UTC_TIME, nullable=False),
)

job_runs = Table(
    "job_runs",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("job", String(64), nullable=False),
    Column("slot", String(32), nullable=False, comment="the schedule slot, e.g. 2026-11-23T10"),
    Column("holder", String(64), nullable=False),
    Column("started_at", UTC_TIME, nullable=False),
    Column("finished_at", UTC_TIME),
    Column("outcome", String(16)),
    UniqueConstraint("job", "slot"),
)

rate_budgets = Table(
    "rate_budgets",
    metadata,
    Column("name", String(32), primary_key=True, comment="the HubSpot budget, e.g. ten_secondly"),
    Column("paused_until", UTC_TIME, comment="no slot is granted before this (after a 429)"),
)

rate_grants = Table(
    "rate_grants",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("budget", String(32), nullable=False),
    Column("granted_at", UTC_TIME, nullable=False, comment="the database's clock"),
    Column("slots", Integer, nullable=False, comment="call starts granted to one replica"),
    Index("ix_rate_grants_budget_time", "budget", "granted_at"),
)
