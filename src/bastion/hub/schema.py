"""The Hub's tables (built by the migration `storage/migrations/versions/hub_0001.py`)."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

sessions = sa.Table(
    "hub_sessions",
    metadata,
    sa.Column("id_hash", sa.String(64), primary_key=True),
    sa.Column("key_hash", sa.String(64), nullable=False),
    sa.Column("key_id", sa.String(64), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("client_ip", sa.String(64), nullable=True),
    sa.Column("created_at", sa.Double, nullable=False),
    sa.Column("last_seen", sa.Double, nullable=False),
)

login_failures = sa.Table(
    "hub_login_failures",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("client", sa.String(64), nullable=False),
    sa.Column("ts", sa.Double, nullable=False),
)

# The audit records as the Hub reads them: the filter columns plus the columns the database generates from
# each payload (migration hub_0001). Only read here; the audit writer never names the generated ones.
records = sa.Table(
    "audit_records",
    metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True),
    sa.Column("kind", sa.String(16)),
    sa.Column("request_id", sa.String(128)),
    sa.Column("ts", sa.Double),
    sa.Column("team", sa.String(200)),
    sa.Column("key_id", sa.String(64)),
    sa.Column("model", sa.String(200)),
    sa.Column("provider", sa.String(200)),
    sa.Column("region", sa.String(100)),
    sa.Column("status", sa.Integer),
    sa.Column("decision", sa.String(16)),
    sa.Column("pii_types", sa.String(500)),
    sa.Column("payload", sa.Text),
    sa.Column("hash", sa.String(64)),
    sa.Column("hub_usd", sa.Double),  # cost.usd (NULL: unknown)
    sa.Column("hub_cost", sa.Integer),  # 1 when the record has a cost object
    sa.Column("hub_error", sa.String(100)),  # error class, NULL when none
    sa.Column("hub_code", sa.String(100)),  # error code (the reason of a denial)
    sa.Column("hub_overhead", sa.Double),  # overhead_ms: the latency the gateway added
    sa.Column("hub_in", sa.BigInteger),  # input tokens as `bastion usage` counts them
    sa.Column("hub_out", sa.BigInteger),
)
