"""report indexes: reactions and sends found by kind and time

Nurture figures read the email reactions since the period's start and the emails
sent in it; without these, a short period still walks every activity of a kind.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.create_index("ix_activities_kind_time", ["kind", "occurred_at"], unique=False)
    with op.batch_alter_table("outbox_effects", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_effects_kind_sent", ["kind", "sent_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox_effects", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_effects_kind_sent")
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_index("ix_activities_kind_time")
