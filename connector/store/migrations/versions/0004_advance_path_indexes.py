"""advance path indexes: each contact's advances in order, and who advanced when

Reports rebuild every contact's path through the funnel (when it first reached
each stage, how long each stay lasted) from its 'advance' transitions. These
partial indexes hold exactly those rows, sorted by contact then time with the
stage reached, and by time with the contact, so the window functions read them
in order from the index instead of sorting the table.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

ADVANCES = sa.text("kind = 'advance'")


def upgrade() -> None:
    with op.batch_alter_table("transitions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_transitions_advance_path",
            ["contact_id", "at", "id", "to_stage"],
            unique=False,
            postgresql_where=ADVANCES,
            sqlite_where=ADVANCES,
        )
        batch_op.create_index(
            "ix_transitions_advance_time",
            ["at", "contact_id"],
            unique=False,
            postgresql_where=ADVANCES,
            sqlite_where=ADVANCES,
        )


def downgrade() -> None:
    with op.batch_alter_table("transitions", schema=None) as batch_op:
        batch_op.drop_index("ix_transitions_advance_time")
        batch_op.drop_index("ix_transitions_advance_path")
