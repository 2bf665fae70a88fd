"""Identity: teams, virtual keys, cache version counters.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "teams",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("metadata", sa.JSON, nullable=False),
        sa.Column("models", sa.JSON, nullable=True),
        sa.Column("regions", sa.JSON, nullable=True),
        sa.Column("created_at", sa.Double, nullable=False),
        sa.Column("updated_at", sa.Double, nullable=False),
    )
    op.create_table(
        "virtual_keys",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("team_id", sa.String(40), sa.ForeignKey("teams.id"), nullable=True),
        sa.Column("user_label", sa.String(200), nullable=True),
        sa.Column("role", sa.String(20), nullable=True),
        sa.Column("models", sa.JSON, nullable=False),
        sa.Column("regions", sa.JSON, nullable=True),
        sa.Column("prefix", sa.String(24), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("previous_hash", sa.String(64), nullable=True),
        sa.Column("previous_expires_at", sa.Double, nullable=True),
        sa.Column("expires_at", sa.Double, nullable=True),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.Double, nullable=False),
        sa.Column("updated_at", sa.Double, nullable=False),
        sa.Column("last_used_at", sa.Double, nullable=True),
        sa.Column("revoked_at", sa.Double, nullable=True),
    )
    op.create_index(
        "uq_virtual_keys_active_name",
        "virtual_keys",
        ["name"],
        unique=True,
        sqlite_where=sa.text("revoked_at IS NULL"),
        postgresql_where=sa.text("revoked_at IS NULL"),
    )
    op.create_index("ix_virtual_keys_team", "virtual_keys", ["team_id"])
    op.create_table(
        "cache_versions",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    op.bulk_insert(
        sa.table("cache_versions", sa.column("name", sa.String), sa.column("version", sa.BigInteger)),
        [{"name": "identity", "version": 1}],
    )


def downgrade() -> None:
    op.drop_table("cache_versions")
    op.drop_index("ix_virtual_keys_team", "virtual_keys")
    op.drop_index("uq_virtual_keys_active_name", "virtual_keys")
    op.drop_table("virtual_keys")
    op.drop_table("teams")
