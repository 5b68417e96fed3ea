"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23 09:38:31.750235
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "activities",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("contact_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "source_id", sa.String(length=128), nullable=False, comment="HubSpot's id of the fact"
        ),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
        sa.UniqueConstraint("kind", "source_id", name=op.f("uq_activities_kind_source_id")),
    )
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.create_index(
            "ix_activities_contact_time", ["contact_id", "occurred_at"], unique=False
        )

    op.create_table(
        "contacts",
        sa.Column("id", sa.String(length=32), nullable=False, comment="HubSpot contact id"),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("properties", sa.JSON(), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=True),
        sa.Column("stage", sa.String(length=64), nullable=True),
        sa.Column("fit_score", sa.Float(), nullable=True),
        sa.Column("engagement_score", sa.Float(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("model", sa.String(length=128), nullable=True),
        sa.Column("persona", sa.String(length=128), nullable=True),
        sa.Column("lead_source", sa.String(length=64), nullable=True),
        sa.Column("recycled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hubspot_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("evaluated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("config_version", sa.String(length=32), nullable=True),
        sa.Column(
            "written_properties",
            sa.JSON(),
            nullable=True,
            comment="what leadflow last wrote to HubSpot",
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
    )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contacts_email"), ["email"], unique=False)

    op.create_table(
        "inbox_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "identity",
            sa.String(length=200),
            nullable=False,
            comment="portalId:subscriptionId:eventId:objectId:occurredAt",
        ),
        sa.Column("subscription_type", sa.String(length=64), nullable=False),
        sa.Column("object_id", sa.String(length=32), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "state",
            sa.String(length=16),
            nullable=False,
            comment="pending | done | skipped | parked",
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_events")),
        sa.UniqueConstraint("identity", name=op.f("uq_inbox_events_identity")),
    )
    with op.batch_alter_table("inbox_events", schema=None) as batch_op:
        batch_op.create_index("ix_inbox_events_state_due", ["state", "due_at"], unique=False)

    op.create_table(
        "job_runs",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("job", sa.String(length=64), nullable=False),
        sa.Column(
            "slot",
            sa.String(length=32),
            nullable=False,
            comment="the schedule slot, e.g. 2026-11-23T10",
        ),
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_runs")),
        sa.UniqueConstraint("job", "slot", name=op.f("uq_job_runs_job_slot")),
    )
    op.create_table(
        "leases",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_leases")),
    )
    op.create_table(
        "outbox_effects",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.String(length=32),
            nullable=False,
            comment="update_contact | send_email | create_task",
        ),
        sa.Column("contact_id", sa.String(length=32), nullable=False),
        sa.Column("transition_id", sa.String(length=64), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "state",
            sa.String(length=16),
            nullable=False,
            comment="pending | sending | sent | parked | cancelled",
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "result_id",
            sa.String(length=64),
            nullable=True,
            comment="HubSpot's id of what was created",
        ),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_effects")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_outbox_effects_idempotency_key")),
    )
    with op.batch_alter_table("outbox_effects", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outbox_effects_contact_id"), ["contact_id"], unique=False
        )
        batch_op.create_index("ix_outbox_effects_state_due", ["state", "due_at"], unique=False)

    op.create_table(
        "sync_cursors",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_sync_cursors")),
    )
    op.create_table(
        "transitions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("contact_id", sa.String(length=32), nullable=False),
        sa.Column("from_stage", sa.String(length=64), nullable=True),
        sa.Column("to_stage", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False, comment="advance | recycle"),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("config_version", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transitions")),
    )
    with op.batch_alter_table("transitions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_transitions_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_transitions_contact_id"), ["contact_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("transitions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transitions_contact_id"))
        batch_op.drop_index(batch_op.f("ix_transitions_at"))

    op.drop_table("transitions")
    op.drop_table("sync_cursors")
    with op.batch_alter_table("outbox_effects", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_effects_state_due")
        batch_op.drop_index(batch_op.f("ix_outbox_effects_contact_id"))

    op.drop_table("outbox_effects")
    op.drop_table("leases")
    op.drop_table("job_runs")
    with op.batch_alter_table("inbox_events", schema=None) as batch_op:
        batch_op.drop_index("ix_inbox_events_state_due")

    op.drop_table("inbox_events")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contacts_email"))

    op.drop_table("contacts")
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_index("ix_activities_contact_time")

    op.drop_table("activities")
