"""The tables, as SQLAlchemy Core metadata (used by the repositories). The database itself is built by
the Alembic migrations in `bastion/storage/migrations/versions/`: a change here needs a new migration.

Times are Unix epoch seconds (float) on both backends; lists and mappings are JSON.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

teams = sa.Table(
    "teams",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("metadata", sa.JSON, nullable=False),
    sa.Column("models", sa.JSON, nullable=True),  # glob patterns; NULL = every model
    sa.Column("regions", sa.JSON, nullable=True),  # NULL = every region
    sa.Column("created_at", sa.Double, nullable=False),
    sa.Column("updated_at", sa.Double, nullable=False),
    sa.Column("limits", sa.JSON, nullable=True),  # {"rpm", "tpm", "concurrency"} (migration limits_0001)
    sa.Column("budget", sa.JSON, nullable=True),  # {"usd", "period", "soft_usd"}
)

virtual_keys = sa.Table(
    "virtual_keys",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("team_id", sa.String(40), sa.ForeignKey("teams.id"), nullable=True),
    sa.Column("user_label", sa.String(200), nullable=True),
    sa.Column("role", sa.String(20), nullable=True),  # NULL (data plane only), admin, team-admin, auditor
    sa.Column("models", sa.JSON, nullable=False),  # glob patterns
    sa.Column("regions", sa.JSON, nullable=True),
    sa.Column("prefix", sa.String(24), nullable=False),  # display only, e.g. "bk-Ab3dE9xZ"
    sa.Column("secret_hash", sa.String(64), nullable=False, unique=True),  # hex SHA-256 of the key
    sa.Column("previous_hash", sa.String(64), nullable=True),  # the pre-rotation key, during its grace
    sa.Column("previous_expires_at", sa.Double, nullable=True),
    sa.Column("expires_at", sa.Double, nullable=True),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", sa.Double, nullable=False),
    sa.Column("updated_at", sa.Double, nullable=False),
    sa.Column("last_used_at", sa.Double, nullable=True),
    sa.Column("revoked_at", sa.Double, nullable=True),
    sa.Column("limits", sa.JSON, nullable=True),  # as on teams (migration limits_0001)
    sa.Column("budget", sa.JSON, nullable=True),
    sa.Index(
        "uq_virtual_keys_active_name",
        "name",
        unique=True,
        sqlite_where=sa.text("revoked_at IS NULL"),
        postgresql_where=sa.text("revoked_at IS NULL"),
    ),
    sa.Index("ix_virtual_keys_team", "team_id"),
)

# One monotonically increasing counter per cached entity set; every change bumps it in the same
# transaction, and workers poll it (one tiny indexed read) to know when to reload.
cache_versions = sa.Table(
    "cache_versions",
    metadata,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("version", sa.BigInteger, nullable=False),
)
