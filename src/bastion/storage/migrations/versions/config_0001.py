"""Runtime configuration versions: every change to providers, models, routing, PII and cache settings made
at runtime (admin API, reload, rollback), with who and when (the latest row is in force).

Revision ID: config_0001
Revises: routing_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "config_0001"
down_revision = "routing_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "config_versions",
        sa.Column("version", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("overlay", sa.JSON, nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("target", sa.String(200), nullable=True),
        sa.Column("file_digest", sa.String(64), nullable=True),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("comment", sa.String(500), nullable=True),
        sa.Column("created_at", sa.Double, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("config_versions")
