"""rate budget shared by replicas: the budgets and the slots granted from them

Replicas on one database draw HubSpot call slots from these rows, so together
they stay under the portal's limit (connector/store/rate_budget.py).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_budgets",
        sa.Column(
            "name",
            sa.String(length=32),
            nullable=False,
            comment="the HubSpot budget, e.g. ten_secondly",
        ),
        sa.Column(
            "paused_until",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="no slot is granted before this (after a 429)",
        ),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_rate_budgets")),
    )
    op.create_table(
        "rate_grants",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("budget", sa.String(length=32), nullable=False),
        sa.Column(
            "granted_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="the database's clock",
        ),
        sa.Column(
            "slots",
            sa.Integer(),
            nullable=False,
            comment="call starts granted to one replica",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_grants")),
    )
    with op.batch_alter_table("rate_grants", schema=None) as batch_op:
        batch_op.create_index("ix_rate_grants_budget_time", ["budget", "granted_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("rate_grants", schema=None) as batch_op:
        batch_op.drop_index("ix_rate_grants_budget_time")
    op.drop_table("rate_grants")
    op.drop_table("rate_budgets")
