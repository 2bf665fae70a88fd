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

_DIMS = ("team", "key_id", "model", "provider", "decision", "reason")  # '' stands for none
_SUMS = (
    "requests",
    "errors",
    "denied",
    "pii_requests",
    "usd",
    "known",
    "unknown_cost",
    "tokens_in",
    "tokens_out",
)

# Hourly request roll-ups and added-latency histograms, kept by triggers (migration hub_0001).
rollup = sa.Table(
    "hub_rollup",
    metadata,
    sa.Column("hour", sa.BigInteger, primary_key=True),
    *(sa.Column(d, sa.String(200), primary_key=True) for d in _DIMS),
    *(sa.Column(n, sa.Double if n == "usd" else sa.BigInteger) for n in _SUMS),
)
latency = sa.Table(
    "hub_latency",
    metadata,
    sa.Column("hour", sa.BigInteger, primary_key=True),
    sa.Column("team", sa.String(200), primary_key=True),
    sa.Column("bucket", sa.BigInteger, primary_key=True),  # overhead_ms * 10, rounded down
    sa.Column("n", sa.BigInteger),
)
DIMS, SUMS = _DIMS, _SUMS

# Shadow-mode rule hits per hour (migration hub_0002), kept by the same triggers.
shadow = sa.Table(
    "hub_shadow",
    metadata,
    sa.Column("hour", sa.BigInteger, primary_key=True),
    sa.Column("team", sa.String(200), primary_key=True),
    sa.Column("rule", sa.String(200), primary_key=True),
    sa.Column("action", sa.String(40), primary_key=True),
    sa.Column("n", sa.BigInteger),
)
# What the Requests filters look for inside a record (migration hub_0002): `rule:<id>` (matched, enforced
# or shadow), `flagged`, `pii:<TYPE>`; one row per (mark, record).
marks = sa.Table(
    "hub_marks",
    metadata,
    sa.Column("mark", sa.String(250), primary_key=True),
    sa.Column("seq", sa.BigInteger, primary_key=True),
)
