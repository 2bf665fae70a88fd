"""The shadow-AI tables (built by migration `shadow_0001`)."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

daily = sa.Table(
    "shadow_daily",
    metadata,
    sa.Column("day", sa.String(10), primary_key=True),
    sa.Column("service", sa.String(100), primary_key=True),
    sa.Column("user_id", sa.String(200), primary_key=True),
    sa.Column("source", sa.String(40), primary_key=True),
    sa.Column("requests", sa.BigInteger, nullable=False),
    sa.Column("bytes_out", sa.BigInteger, nullable=False),
    sa.Column("first_seen", sa.Double, nullable=False),
    sa.Column("last_seen", sa.Double, nullable=False),
)

services = sa.Table(
    "shadow_services",
    metadata,
    sa.Column("service", sa.String(100), primary_key=True),
    sa.Column("first_seen", sa.Double, nullable=False),
    sa.Column("sanctioned", sa.Boolean, nullable=False),
)
