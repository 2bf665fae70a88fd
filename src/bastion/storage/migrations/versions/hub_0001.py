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


# Hourly roll-ups kept by triggers in the same transaction as each insert (and delete: retention), so
# a 7-day page reads a few thousand small rows instead of 100,000 records. The Hub adds the partial hours at
# a window's edges from the records themselves, so its figures stay exact.
_DIMS = ("team", "key_id", "model", "provider", "decision", "reason")


def _facts(x: str, sign: str) -> dict[str, str]:
    denied = f"{x}.decision IN ('denied', 'blocked')"
    return {
        "team": f"coalesce({x}.team, '')", "key_id": f"coalesce({x}.key_id, '')",
        "model": f"coalesce({x}.model, '')", "provider": f"coalesce({x}.provider, '')",
        "decision": f"coalesce({x}.decision, '')",
        "reason": f"CASE WHEN {denied} THEN coalesce({x}.hub_code, {x}.hub_error, {x}.decision) ELSE '' END",
        "requests": sign,
        "errors": f"{sign} * (CASE WHEN {x}.hub_error IS NOT NULL THEN 1 ELSE 0 END)",
        "denied": f"{sign} * (CASE WHEN {denied} THEN 1 ELSE 0 END)",
        "pii_requests": f"{sign} * (CASE WHEN {x}.pii_types IS NOT NULL THEN 1 ELSE 0 END)",
        "usd": f"{sign} * coalesce({x}.hub_usd, 0)",
        "known": f"{sign} * (CASE WHEN {x}.hub_usd IS NOT NULL THEN 1 ELSE 0 END)",
        "unknown_cost": f"{sign} * (CASE WHEN ({x}.hub_cost = 0 AND {x}.provider IS NOT NULL) OR "
                        f"({x}.hub_cost = 1 AND {x}.hub_usd IS NULL) THEN 1 ELSE 0 END)",
        "tokens_in": f"{sign} * coalesce({x}.hub_in, 0)", "tokens_out": f"{sign} * coalesce({x}.hub_out, 0)",
    }  # fmt: skip


def _upserts(x: str, sign: str, hour: str, bucket: str) -> list[str]:
    facts = _facts(x, sign)
    sums = [k for k in facts if k not in _DIMS]
    rollup = (
        f"INSERT INTO hub_rollup (hour, {', '.join(facts)}) VALUES ({hour}, {', '.join(facts.values())}) "
        f"ON CONFLICT (hour, {', '.join(_DIMS)}) DO UPDATE SET "
        + ", ".join(f"{k} = hub_rollup.{k} + excluded.{k}" for k in sums)
    )
    latency = (
        "INSERT INTO hub_latency (hour, team, bucket, n) "
        f"VALUES ({hour}, coalesce({x}.team, ''), {bucket}, {sign}) "
        "ON CONFLICT (hour, team, bucket) DO UPDATE SET n = hub_latency.n + excluded.n"
    )
    return [rollup, latency]


_PROTECTED = "('pseudonymize', 'mask', 'hash', 'redact', 'replace', 'block')"  # PII actions but allow


def _pii(x: str, sign: str, postgres: bool, source: str = "", group: str = "") -> str:
    """PII values protected per hour, team and type, from `x`'s `pii` summary ({type: {action: n}})."""
    if postgres:
        hour, team = f"floor({x}.ts / 3600)::bigint", f"coalesce({x}.team, '')"
        each = f"jsonb_each(({x}.payload::jsonb) -> 'pii') p, jsonb_each_text(p.value) a"
        value, ok = "(a.value)::bigint", f" AND jsonb_typeof(({x}.payload::jsonb) -> 'pii') = 'object'"
    else:
        hour, team = f"CAST({x}.ts / 3600 AS INTEGER)", f"coalesce({x}.team, '')"
        each, value, ok = f"json_each({x}.payload, '$.pii') p, json_each(p.value) a", "a.value", ""
    return (
        f"INSERT INTO hub_pii (hour, team, type, n) SELECT {hour}, {team}, p.key, {sign} * sum({value}) "
        f"FROM {source}{each} WHERE a.key IN {_PROTECTED}{ok}{group} GROUP BY {hour}, {team}, p.key "
        "ON CONFLICT (hour, team, type) DO UPDATE SET n = hub_pii.n + excluded.n"
    )


def _rollups(postgres: bool) -> None:
    dims = [sa.Column(d, sa.String(200), nullable=False) for d in _DIMS]
    op.create_table(
        "hub_rollup",
        sa.Column("hour", sa.BigInteger, nullable=False),  # floor(ts / 3600)
        *dims,
        *(
            sa.Column(n, sa.BigInteger, nullable=False)
            for n in ("requests", "errors", "denied", "pii_requests")
        ),
        sa.Column("usd", sa.Double, nullable=False),
        *(
            sa.Column(n, sa.BigInteger, nullable=False)
            for n in ("known", "unknown_cost", "tokens_in", "tokens_out")
        ),
        sa.PrimaryKeyConstraint("hour", *_DIMS),
    )
    op.create_table(
        "hub_latency",  # added latency per 0.1 ms bucket, for percentiles
        sa.Column("hour", sa.BigInteger, nullable=False),
        sa.Column("team", sa.String(200), nullable=False),
        sa.Column("bucket", sa.BigInteger, nullable=False),
        sa.Column("n", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("hour", "team", "bucket"),
    )
    op.create_table(
        "hub_pii",
        sa.Column("hour", sa.BigInteger, nullable=False),
        sa.Column("team", sa.String(200), nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("n", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("hour", "team", "type"),
    )
    if postgres:
        hour, bucket = "floor({x}.ts / 3600)::bigint", "floor({x}.hub_overhead * 10)::bigint"
        body = []
        for op_name, x, sign in (("INSERT", "NEW", "1"), ("DELETE", "OLD", "-1")):
            stmts = _upserts(x, sign, hour.format(x=x), bucket.format(x=x))
            body.append(
                f"IF TG_OP = '{op_name}' AND {x}.kind = 'request' THEN {stmts[0]}; "
                f"IF {x}.hub_overhead IS NOT NULL THEN {stmts[1]}; END IF; "
                f"IF {x}.pii_types IS NOT NULL THEN {_pii(x, sign, True)}; END IF; END IF;"
            )
        op.execute(
            "CREATE FUNCTION hub_rollup_apply() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            + " ".join(body)
            + " RETURN NULL; END $$"
        )
        op.execute(
            "CREATE TRIGGER hub_rollup_apply AFTER INSERT OR DELETE ON audit_records "
            "FOR EACH ROW EXECUTE FUNCTION hub_rollup_apply()"
        )
        return
    hour, bucket = "CAST({x}.ts / 3600 AS INTEGER)", "CAST({x}.hub_overhead * 10 AS INTEGER)"
    for event, x, sign in (("INSERT", "NEW", "1"), ("DELETE", "OLD", "-1")):
        rollup, latency = _upserts(x, sign, hour.format(x=x), bucket.format(x=x))
        op.execute(
            f"CREATE TRIGGER hub_rollup_{event.lower()} AFTER {event} ON audit_records "
            f"WHEN {x}.kind = 'request' BEGIN {rollup}; END"
        )
        op.execute(
            f"CREATE TRIGGER hub_latency_{event.lower()} AFTER {event} ON audit_records "
            f"WHEN {x}.kind = 'request' AND {x}.hub_overhead IS NOT NULL BEGIN {latency}; END"
        )
        op.execute(
            f"CREATE TRIGGER hub_pii_{event.lower()} AFTER {event} ON audit_records "
            f"WHEN {x}.kind = 'request' AND {x}.pii_types IS NOT NULL BEGIN {_pii(x, sign, False)}; END"
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
    _rollups(postgres)
    # records written before this migration
    facts = _facts("r", "1")
    sums = [k for k in facts if k not in _DIMS]
    hour = "floor(r.ts / 3600)::bigint" if postgres else "CAST(r.ts / 3600 AS INTEGER)"
    bucket = "floor(r.hub_overhead * 10)::bigint" if postgres else "CAST(r.hub_overhead * 10 AS INTEGER)"
    op.execute(
        f"INSERT INTO hub_rollup (hour, {', '.join(facts)}) SELECT {hour}, "
        + ", ".join(f"{facts[d]}" for d in _DIMS)
        + ", "
        + ", ".join(f"sum({facts[k]})" for k in sums)
        + f" FROM audit_records r WHERE r.kind = 'request' GROUP BY {hour}, "
        + ", ".join(facts[d] for d in _DIMS)
    )
    op.execute(
        "INSERT INTO hub_latency (hour, team, bucket, n) "
        f"SELECT {hour}, coalesce(r.team, ''), {bucket}, count(*) "
        f"FROM audit_records r WHERE r.kind = 'request' AND r.hub_overhead IS NOT NULL "
        f"GROUP BY {hour}, coalesce(r.team, ''), {bucket}"
    )
    op.execute(
        _pii("r", "1", postgres, "audit_records r, ", " AND r.kind = 'request' AND r.pii_types IS NOT NULL")
    )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute("DROP TRIGGER IF EXISTS hub_rollup_apply ON audit_records")
        op.execute("DROP FUNCTION IF EXISTS hub_rollup_apply()")
    else:
        for name in ("hub_rollup_insert", "hub_rollup_delete", "hub_latency_insert", "hub_latency_delete",
                     "hub_pii_insert", "hub_pii_delete"):  # fmt: skip
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("hub_pii")
    op.drop_table("hub_latency")
    op.drop_table("hub_rollup")
    for _cols, name in _INDEXES:
        op.drop_index(name, "audit_records")
    op.drop_index(_WINDOW, "audit_records")
    for name, *_ in _GENERATED:
        op.drop_column("audit_records", name)
    op.drop_table("hub_login_failures")
    op.drop_table("hub_sessions")
