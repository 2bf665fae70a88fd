"""Routing: the adaptive strategy's learned state (one row per group, request context and target).

Revision ID: routing_0001
Revises: policy_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "routing_0001"
down_revision = "policy_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "routing_learner",
        sa.Column("group_name", sa.String(200), primary_key=True),
        sa.Column("context", sa.String(200), primary_key=True),
        sa.Column("target", sa.String(400), primary_key=True),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("updated_at", sa.Double, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("routing_learner")
