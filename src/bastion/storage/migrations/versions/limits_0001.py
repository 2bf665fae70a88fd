"""Limits and budgets on teams and virtual keys (JSON: `{"rpm", "tpm", "concurrency"}` and
`{"usd", "period", "soft_usd"}`; NULL = none).

Revision ID: limits_0001
Revises: audit_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "limits_0001"
down_revision = "audit_0001"
branch_labels = None
depends_on = None

_TABLES = ("teams", "virtual_keys")
_COLUMNS = ("limits", "budget")


def upgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            for column in _COLUMNS:
                batch.add_column(sa.Column(column, sa.JSON, nullable=True))


def downgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            for column in _COLUMNS:
                batch.drop_column(column)
