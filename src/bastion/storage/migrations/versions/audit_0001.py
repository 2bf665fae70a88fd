"""Audit trail: records (hash chain), signed checkpoints, meta (retention marks), per-team data keys.

Revision ID: audit_0001
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "audit_0001"
down_revision = "0001"
branch_labels = None
depends_on = None

_INDEXES = (
    (("request_id",), "ix_audit_records_request_id"),
    (("ts",), "ix_audit_records_ts"),
    (("team", "seq"), "ix_audit_records_team"),
    (("kind", "seq"), "ix_audit_records_kind"),
)


def upgrade() -> None:
    op.create_table(
        "audit_records",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("id", sa.String(32), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("request_id", sa.String(128), nullable=True),
        sa.Column("ts", sa.Double, nullable=False),
        sa.Column("team", sa.String(200), nullable=True),
        sa.Column("key_id", sa.String(64), nullable=True),
        sa.Column("model", sa.String(200), nullable=True),
        sa.Column("provider", sa.String(200), nullable=True),
        sa.Column("region", sa.String(100), nullable=True),
        sa.Column("status", sa.Integer, nullable=True),
        sa.Column("decision", sa.String(16), nullable=True),
        sa.Column("pii_types", sa.String(500), nullable=True),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    for cols, name in _INDEXES:
        op.create_index(name, "audit_records", list(cols))
    op.create_table(
        "audit_checkpoints",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("ts", sa.Double, nullable=False),
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("signature", sa.String(128), nullable=False),
    )
    op.create_table(
        "audit_meta",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "audit_data_keys",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("team", sa.String(200), nullable=False, index=True),
        sa.Column("wrapped", sa.Text, nullable=False),
        sa.Column("created_at", sa.Double, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("audit_data_keys")
    op.drop_table("audit_meta")
    op.drop_table("audit_checkpoints")
    for _cols, name in _INDEXES:
        op.drop_index(name, "audit_records")
    op.drop_table("audit_records")
