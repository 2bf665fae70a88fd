"""Shadow AI: use of AI services per day, service, user and evidence source; and when each service was
first seen (for "new service" alerts and views).

Revision ID: shadow_0001
Revises: routing_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "shadow_0001"
down_revision = "routing_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shadow_daily",
        sa.Column("day", sa.String(10), primary_key=True),  # YYYY-MM-DD (UTC)
        sa.Column("service", sa.String(100), primary_key=True),
        sa.Column("user_id", sa.String(200), primary_key=True),  # as given, or a keyed-hash pseudonym
        sa.Column("source", sa.String(40), primary_key=True),  # logs, gateway-key, unknown-key, prompt-secret
        sa.Column("requests", sa.BigInteger, nullable=False),
        sa.Column("bytes_out", sa.BigInteger, nullable=False),
        sa.Column("first_seen", sa.Double, nullable=False),
        sa.Column("last_seen", sa.Double, nullable=False),
    )
    op.create_index("ix_shadow_daily_service", "shadow_daily", ["service", "day"])
    op.create_table(
        "shadow_services",
        sa.Column("service", sa.String(100), primary_key=True),
        sa.Column("first_seen", sa.Double, nullable=False),
        sa.Column("sanctioned", sa.Boolean, nullable=False),  # when first seen
    )


def downgrade() -> None:
    op.drop_table("shadow_services")
    op.drop_index("ix_shadow_daily_service", table_name="shadow_daily")
    op.drop_table("shadow_daily")
