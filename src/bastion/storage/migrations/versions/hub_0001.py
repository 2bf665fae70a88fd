"""Hub: web console sessions (hashed ids), failed sign-ins (throttling), and what its pages aggregate by.

The Hub's figures (spend, errors, denials, added latency, tokens) live inside each audit record's JSON
payload. Parsing 100,000 payloads per page is too slow, so this migration adds *generated* columns that
the database derives from the payload itself (virtual on SQLite, stored on PostgreSQL) — the audit writer
and the hashed payload are unchanged, and the columns can never disagree with the record — plus one
covering index over the request records by time, so a window's aggregates read the index only.

Revision ID: hub_0001
Revises: routing_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "hub_0001"
down_revision = "routing_0001"
branch_labels = None
depends_on = None

_J = "(payload::jsonb)"


def _pg_num(path: str, cast: str = "float8") -> str:
    """A number at `path` ("cost,usd") of the payload, NULL when absent or not a number."""
    return f"CASE WHEN jsonb_typeof({_J} #> '{{{path}}}') = 'number' THEN ({_J} #>> '{{{path}}}')::{cast} END"


def _pg_str(path: str) -> str:
    return f"CASE WHEN jsonb_typeof({_J} #> '{{{path}}}') = 'string' THEN {_J} #>> '{{{path}}}' END"


def _tokens(direction: str, field: str) -> tuple[str, str]:
    """Tokens as `bastion usage` counts them: the cost's when the record has a cost, else the usage's."""
    sqlite = (
        f"CASE WHEN json_type(payload, '$.cost') = 'object' THEN coalesce(json_extract(payload, "
        f"'$.cost.{direction}_tokens'), 0) ELSE coalesce(json_extract(payload, '$.{field}'), 0) END"
    )
    big = "float8::bigint"
    cost = _pg_num(f"cost,{direction}_tokens", big)
    pg = (
        f"CASE WHEN jsonb_typeof({_J} -> 'cost') = 'object' THEN coalesce({cost}, 0) "
        f"ELSE coalesce({_pg_num(field, big)}, 0) END"
    )
    return sqlite, pg


_PG_COST = f"CASE WHEN jsonb_typeof({_J} -> 'cost') = 'object' THEN 1 ELSE 0 END"
# name, SQL type, SQLite expression, PostgreSQL expression (both over `payload`)
_GENERATED = (
    ("hub_usd", "DOUBLE PRECISION", "json_extract(payload, '$.cost.usd')", _pg_num("cost,usd")),
    ("hub_cost", "INTEGER", "coalesce(json_type(payload, '$.cost') = 'object', 0)", _PG_COST),
    ("hub_error", "VARCHAR(100)", "json_extract(payload, '$.error')", _pg_str("error")),
    ("hub_code", "VARCHAR(100)", "json_extract(payload, '$.error_code')", _pg_str("error_code")),
    ("hub_overhead", "DOUBLE PRECISION", "json_extract(payload, '$.overhead_ms')", _pg_num("overhead_ms")),
    ("hub_in", "BIGINT", *_tokens("input", "tokens_in")),
    ("hub_out", "BIGINT", *_tokens("output", "tokens_out")),
)
_COVERED = ("team", "key_id", "model", "provider", "decision", "status", "pii_types",
            *(g[0] for g in _GENERATED))  # fmt: skip
_WINDOW = "ix_audit_records_hub_window"
_INDEXES = (
    (("key_id", "seq"), "ix_audit_records_key"),
    (("model", "seq"), "ix_audit_records_model"),
    (("decision", "seq"), "ix_audit_records_decision"),
)


def upgrade() -> None:
    op.create_table(
        "hub_sessions",
        sa.Column("id_hash", sa.String(64), primary_key=True),  # SHA-256 of the cookie's session id
        sa.Column("key_hash", sa.String(64), nullable=False),  # SHA-256 of the key that signed in
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("client_ip", sa.String(64), nullable=True),
        sa.Column("created_at", sa.Double, nullable=False),
        sa.Column("last_seen", sa.Double, nullable=False),
    )
    op.create_index("ix_hub_sessions_last_seen", "hub_sessions", ["last_seen"])
    op.create_table(
        "hub_login_failures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("client", sa.String(64), nullable=False),
        sa.Column("ts", sa.Double, nullable=False),
    )
    op.create_index("ix_hub_login_failures_client", "hub_login_failures", ["client", "ts"])
    postgres = op.get_bind().dialect.name == "postgresql"
    for name, sqltype, sqlite_expr, pg_expr in _GENERATED:
        expr, how = (pg_expr, "STORED") if postgres else (sqlite_expr, "VIRTUAL")
        op.execute(
            f"ALTER TABLE audit_records ADD COLUMN {name} {sqltype} GENERATED ALWAYS AS ({expr}) {how}"
        )
    if postgres:
        op.execute(f"CREATE INDEX {_WINDOW} ON audit_records (kind, ts) INCLUDE ({', '.join(_COVERED)})")
    else:
        op.execute(f"CREATE INDEX {_WINDOW} ON audit_records (kind, ts, {', '.join(_COVERED)})")
    for cols, name in _INDEXES:
        op.create_index(name, "audit_records", list(cols))


def downgrade() -> None:
    for _cols, name in _INDEXES:
        op.drop_index(name, "audit_records")
    op.drop_index(_WINDOW, "audit_records")
    for name, *_ in _GENERATED:
        op.drop_column("audit_records", name)
    op.drop_table("hub_login_failures")
    op.drop_table("hub_sessions")
