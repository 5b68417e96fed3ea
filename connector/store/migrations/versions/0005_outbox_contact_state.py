"""outbox by contact and state: a judgment's cancellations read only its contact's rows

Judging a contact cancels its pending write-back and nurture steps. With only
single-column indexes SQLite served that from the index on state, so every
judgment scanned every pending effect and a 20,000-contact backfill slowed as
it went (benchmarks/sync.py: contacts walk 89 s → 23 s with this index).

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_effects", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_effects_contact_id")
        batch_op.create_index(
            "ix_outbox_effects_contact_state", ["contact_id", "state"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox_effects", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_effects_contact_state")
        batch_op.create_index("ix_outbox_effects_contact_id", ["contact_id"], unique=False)
