"""Hub: roll-ups that retention leaves exact, shadow-mode hits per hour, and marks for the request filters.

- Deleting records (retention) used to leave roll-up rows at zero: a team, key or hour with no request
  left still showed up (with 0 requests) in the Hub's lists. The delete triggers now remove a row once
  its count is back to zero, and rows already at zero are removed here.
- `hub_shadow`: shadow-mode rule hits per hour, team, rule and action (the Policies page), kept by the
  same triggers, so the page no longer parses a day of payloads.
- `hub_marks` (mark, seq): what the Requests filters look for inside a record's JSON — `rule:<id>` for
  each rule that matched (enforced or shadow), `flagged`, `pii:<TYPE>` — so a filter reads an index
  instead of every payload.

Revision ID: hub_0002
Revises: hub_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bastion.storage.migrations.versions.hub_0001 import _pii, _upserts

revision = "hub_0002"
down_revision = "hub_0001"
branch_labels = None
depends_on = None

_DIMS = ("team", "key_id", "model", "provider", "decision", "reason")
_SHADOW = '"shadow":['  # in the canonical JSON (no spaces), only records with shadow hits hold it


def _hour(x: str, postgres: bool) -> str:
    return f"floor({x}.ts / 3600)::bigint" if postgres else f"CAST({x}.ts / 3600 AS INTEGER)"


def _bucket(x: str, postgres: bool) -> str:
    return f"floor({x}.hub_overhead * 10)::bigint" if postgres else f"CAST({x}.hub_overhead * 10 AS INTEGER)"


def _cleanup(x: str, postgres: bool) -> dict[str, str]:
    """After a delete, per table: drop the row the deleted record brought back to zero."""
    hour, team = _hour(x, postgres), f"coalesce({x}.team, '')"
    denied = f"{x}.decision IN ('denied', 'blocked')"
    dims = {
        "team": team, "key_id": f"coalesce({x}.key_id, '')", "model": f"coalesce({x}.model, '')",
        "provider": f"coalesce({x}.provider, '')", "decision": f"coalesce({x}.decision, '')",
        "reason": f"CASE WHEN {denied} THEN coalesce({x}.hub_code, {x}.hub_error, {x}.decision) ELSE '' END",
    }  # fmt: skip
    match = " AND ".join(f"{d} = {dims[d]}" for d in _DIMS)
    return {
        "hub_rollup": f"DELETE FROM hub_rollup WHERE hour = {hour} AND {match} AND requests = 0",
        "hub_latency": f"DELETE FROM hub_latency WHERE hour = {hour} AND team = {team} AND n = 0",
        "hub_pii": f"DELETE FROM hub_pii WHERE hour = {hour} AND team = {team} AND n = 0",
        "hub_shadow": f"DELETE FROM hub_shadow WHERE hour = {hour} AND team = {team} AND n = 0",
    }


def _shadow(x: str, sign: str, postgres: bool, source: str = "", where: str = "") -> str:
    """Shadow-mode hits per hour, team, rule and action, from `x`'s `policy.shadow` list."""
    hour, team = _hour(x, postgres), f"coalesce({x}.team, '')"
    if postgres:
        hits = f"(({x}.payload::jsonb) #> '{{policy,shadow}}')"
        each = f"jsonb_array_elements(CASE WHEN jsonb_typeof({hits}) = 'array' THEN {hits} ELSE '[]' END) s"
        rule, action, ok = (
            "coalesce(s ->> 'id', '')",
            "coalesce(s ->> 'action', '')",
            "jsonb_typeof(s) = 'object'",
        )
    else:
        each = f"json_each({x}.payload, '$.policy.shadow') s"
        rule = "coalesce(json_extract(s.value, '$.id'), '')"
        action, ok = "coalesce(json_extract(s.value, '$.action'), '')", "s.type = 'object'"
    return (
        f"INSERT INTO hub_shadow (hour, team, rule, action, n) SELECT {hour}, {team}, {rule}, {action}, "
        f"{sign} * count(*) FROM {source}{each} WHERE {ok}{where} GROUP BY {hour}, {team}, {rule}, {action} "
        "ON CONFLICT (hour, team, rule, action) DO UPDATE SET n = hub_shadow.n + excluded.n"
    )


def _marks(x: str, postgres: bool, source: str = "", where: str = "") -> str:
    """The record's marks: `rule:<id>` (matched or shadow), `flagged`, `pii:<TYPE>`. Each part first looks
    for its key in the canonical JSON text (cheap), so most records are never parsed here."""

    def has(text: str) -> str:
        return f"strpos({x}.payload, '{text}') > 0" if postgres else f"instr({x}.payload, '{text}') > 0"

    rules_in = {"matched": '"matched":[{', "shadow": _SHADOW}
    flagged = has('"flagged"\\:true')  # `\:` keeps `:true` from reading as a bind parameter (op.execute)
    if postgres:
        doc = f"({x}.payload::jsonb)"

        def rules(path: str) -> str:
            arr = f"({doc} #> '{{policy,{path}}}')"
            return (
                f"SELECT {x}.seq AS seq, 'rule:' || (m ->> 'id') AS mark FROM {source}jsonb_array_elements("
                f"CASE WHEN jsonb_typeof({arr}) = 'array' THEN {arr} ELSE '[]' END) m "
                f"WHERE {has(rules_in[path])} AND jsonb_typeof(m) = 'object' "
                f"AND m ->> 'id' IS NOT NULL{where}"
            )

        pii = f"({doc} -> 'pii')"
        parts = [
            rules("matched"),
            rules("shadow"),
            f"SELECT {x}.seq, 'flagged' FROM {source.rstrip(', ') or '(SELECT 1) one'} "
            f"WHERE {flagged} AND {doc} #> '{{policy,flagged}}' = 'true'{where}",
            f"SELECT {x}.seq, 'pii:' || p FROM {source}jsonb_object_keys(CASE WHEN {x}.pii_types IS NOT NULL "
            f"AND jsonb_typeof({pii}) = 'object' THEN {pii} ELSE '{{}}' END) p WHERE true{where}",
        ]
    else:

        def rules(path: str) -> str:
            rid = "json_extract(m.value, '$.id')"
            return (
                f"SELECT {x}.seq AS seq, 'rule:' || {rid} AS mark FROM {source}json_each({x}.payload, "
                f"'$.policy.{path}') m WHERE {has(rules_in[path])} AND m.type = 'object' "
                f"AND {rid} IS NOT NULL{where}"
            )

        parts = [
            rules("matched"),
            rules("shadow"),
            f"SELECT {x}.seq, 'flagged' {'FROM ' + source.rstrip(', ') if source else ''} "
            f"WHERE {flagged} AND json_extract({x}.payload, '$.policy.flagged') = 1{where}",
            f"SELECT {x}.seq, 'pii:' || p.key FROM {source}json_each({x}.payload, '$.pii') p "
            f"WHERE {x}.pii_types IS NOT NULL AND p.key IS NOT NULL{where}",
        ]
    return (
        f"INSERT INTO hub_marks (seq, mark) SELECT DISTINCT seq, mark FROM ({' UNION ALL '.join(parts)}) k "
        + ("ON CONFLICT DO NOTHING" if postgres else "WHERE true ON CONFLICT DO NOTHING")
    )


def _tables() -> None:
    op.create_table(
        "hub_shadow",
        sa.Column("hour", sa.BigInteger, nullable=False),
        sa.Column("team", sa.String(200), nullable=False),
        sa.Column("rule", sa.String(200), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("n", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("hour", "team", "rule", "action"),
    )
    op.create_table(
        "hub_marks",
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("mark", sa.String(250), nullable=False),
        sa.PrimaryKeyConstraint("mark", "seq"),
    )
    op.create_index("ix_hub_marks_seq", "hub_marks", ["seq"])


def _postgres_triggers() -> None:
    body = []
    for op_name, x, sign in (("INSERT", "NEW", "1"), ("DELETE", "OLD", "-1")):
        rollup, latency = _upserts(x, sign, _hour(x, True), _bucket(x, True))
        stmts = [
            f"{rollup};",
            f"IF {x}.hub_overhead IS NOT NULL THEN {latency}; END IF;",
            f"IF {x}.pii_types IS NOT NULL THEN {_pii(x, sign, True)}; END IF;",
            f"IF strpos({x}.payload, '{_SHADOW}') > 0 THEN {_shadow(x, sign, True)}; END IF;",
        ]
        if op_name == "INSERT":
            stmts.append(f"{_marks(x, True)};")
        else:
            stmts += [f"{s};" for s in _cleanup(x, True).values()]
            stmts.append(f"DELETE FROM hub_marks WHERE seq = {x}.seq;")
        body.append(f"IF TG_OP = '{op_name}' AND {x}.kind = 'request' THEN {' '.join(stmts)} END IF;")
    op.execute(
        "CREATE OR REPLACE FUNCTION hub_rollup_apply() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        + " ".join(body)
        + " RETURN NULL; END $$"
    )


_SQLITE_TRIGGERS = ("hub_rollup_delete", "hub_latency_delete", "hub_pii_delete", "hub_shadow_insert",
                    "hub_shadow_delete", "hub_marks_insert", "hub_marks_delete")  # fmt: skip


def _sqlite_triggers() -> None:
    """The delete triggers again, each removing the row it brought back to zero; shadow hits and marks."""
    for name in ("hub_rollup_delete", "hub_latency_delete", "hub_pii_delete"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    rollup, latency = _upserts("OLD", "-1", _hour("OLD", False), _bucket("OLD", False))
    clean = _cleanup("OLD", False)
    for name, when, change in (
        ("hub_rollup_delete", "", rollup),
        ("hub_latency_delete", " AND OLD.hub_overhead IS NOT NULL", latency),
        ("hub_pii_delete", " AND OLD.pii_types IS NOT NULL", _pii("OLD", "-1", False)),
        ("hub_shadow_delete", f" AND instr(OLD.payload, '{_SHADOW}') > 0", _shadow("OLD", "-1", False)),
    ):
        table = name.removesuffix("_delete")
        op.execute(
            f"CREATE TRIGGER {name} AFTER DELETE ON audit_records WHEN OLD.kind = 'request'{when} "
            f"BEGIN {change}; {clean[table]}; END"
        )
    op.execute(
        "CREATE TRIGGER hub_shadow_insert AFTER INSERT ON audit_records WHEN NEW.kind = 'request' AND "
        f"instr(NEW.payload, '{_SHADOW}') > 0 BEGIN {_shadow('NEW', '1', False)}; END"
    )
    op.execute(
        "CREATE TRIGGER hub_marks_insert AFTER INSERT ON audit_records WHEN NEW.kind = 'request' "
        f"BEGIN {_marks('NEW', False)}; END"
    )
    op.execute(
        "CREATE TRIGGER hub_marks_delete AFTER DELETE ON audit_records WHEN OLD.kind = 'request' "
        "BEGIN DELETE FROM hub_marks WHERE seq = OLD.seq; END"
    )


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    _tables()
    if postgres:
        _postgres_triggers()
    else:
        _sqlite_triggers()
    for table, zero in (("hub_rollup", "requests"), ("hub_latency", "n"), ("hub_pii", "n")):
        op.execute(f"DELETE FROM {table} WHERE {zero} = 0")
    # records written before this migration
    request = " AND r.kind = 'request'"
    like = f"strpos(r.payload, '{_SHADOW}') > 0" if postgres else f"instr(r.payload, '{_SHADOW}') > 0"
    op.execute(_shadow("r", "1", postgres, "audit_records r, ", f"{request} AND {like}"))
    op.execute(_marks("r", postgres, "audit_records r, ", request))


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if not postgres:
        for name in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_index("ix_hub_marks_seq", "hub_marks")
    op.drop_table("hub_marks")
    op.drop_table("hub_shadow")
    # the delete triggers of hub_0001 (they leave rows at zero, which its readers tolerate)
    from bastion.storage.migrations.versions import hub_0001

    if postgres:
        body = []
        for op_name, x, sign in (("INSERT", "NEW", "1"), ("DELETE", "OLD", "-1")):
            rollup, latency = _upserts(x, sign, _hour(x, True), _bucket(x, True))
            body.append(
                f"IF TG_OP = '{op_name}' AND {x}.kind = 'request' THEN {rollup}; "
                f"IF {x}.hub_overhead IS NOT NULL THEN {latency}; END IF; "
                f"IF {x}.pii_types IS NOT NULL THEN {hub_0001._pii(x, sign, True)}; END IF; END IF;"
            )
        op.execute(
            "CREATE OR REPLACE FUNCTION hub_rollup_apply() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            + " ".join(body)
            + " RETURN NULL; END $$"
        )
        return
    rollup, latency = _upserts("OLD", "-1", _hour("OLD", False), _bucket("OLD", False))
    op.execute(
        f"CREATE TRIGGER hub_rollup_delete AFTER DELETE ON audit_records WHEN OLD.kind = 'request' "
        f"BEGIN {rollup}; END"
    )
    op.execute(
        "CREATE TRIGGER hub_latency_delete AFTER DELETE ON audit_records "
        f"WHEN OLD.kind = 'request' AND OLD.hub_overhead IS NOT NULL BEGIN {latency}; END"
    )
    op.execute(
        "CREATE TRIGGER hub_pii_delete AFTER DELETE ON audit_records "
        f"WHEN OLD.kind = 'request' AND OLD.pii_types IS NOT NULL BEGIN {_pii('OLD', '-1', False)}; END"
    )
