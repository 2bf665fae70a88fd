"""Compliance: use cases added through the admin API, and the review queue (human oversight).

Revision ID: compliance_0001
Revises: routing_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "compliance_0001"
down_revision = "routing_0001"
branch_labels = None
depends_on = None

_INDEXES = (
    (("status", "created_at"), "ix_compliance_reviews_status"),
    (("request_id",), "ix_compliance_reviews_request_id"),
    (("created_at",), "ix_compliance_reviews_created_at"),
)


def upgrade() -> None:
    op.create_table(
        "compliance_use_cases",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("created_at", sa.Double, nullable=False),
        sa.Column("updated_at", sa.Double, nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=True),
    )
    op.create_table(
        "compliance_reviews",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("request_id", sa.String(128), nullable=False),
        sa.Column("created_at", sa.Double, nullable=False),
        sa.Column("team", sa.String(200), nullable=True),
        sa.Column("key_id", sa.String(64), nullable=True),
        sa.Column("use_case", sa.String(100), nullable=True),
        sa.Column("model", sa.String(200), nullable=True),
        sa.Column("api", sa.String(40), nullable=True),
        sa.Column("reasons", sa.JSON, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("decided_at", sa.Double, nullable=True),
        sa.Column("decided_by", sa.JSON, nullable=True),
        sa.Column("note", sa.Text, nullable=True),
    )
    for cols, name in _INDEXES:
        op.create_index(name, "compliance_reviews", list(cols))


def downgrade() -> None:
    for _cols, name in _INDEXES:
        op.drop_index(name, "compliance_reviews")
    op.drop_table("compliance_reviews")
    op.drop_table("compliance_use_cases")
