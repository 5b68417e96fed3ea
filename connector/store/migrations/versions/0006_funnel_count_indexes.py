"""funnel count indexes: each judged batch counts new leads and SQLs per owner from an index

Every batch the refresher judges reads the funnel's state: the leads that entered
today and in the last 7 days (nurture's daily cap) and the SQLs each owner holds
(the round robin). Without these indexes each count read every recent advance
from the table, or every contact, so a backfill slowed as it stored more.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ADVANCES = sa.text("kind = 'advance'")


def upgrade() -> None:
    with op.batch_alter_table("transitions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_transitions_advance_entries",
            ["to_stage", "at"],
            unique=False,
            postgresql_where=ADVANCES,
            sqlite_where=ADVANCES,
        )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.create_index("ix_contacts_stage_owner", ["stage", "owner_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index("ix_contacts_stage_owner")
    with op.batch_alter_table("transitions", schema=None) as batch_op:
        batch_op.drop_index("ix_transitions_advance_entries")
