"""Guardrails (`/hub/guardrails`): content-check hits from the audit trail's `checks` field
(docs/guardrails.md) — by check and outcome, by team and by model, over time, and the latest hits with
links to their requests. A hit is a verdict flagged, blocked, masked or not evaluated (a check that could
not run is shown, never hidden). A team-admin sees its own team only. Aggregated in the database."""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa

from bastion.errors import Unavailable
from bastion.hub import charts, format
from bastion.hub.page import HubRequest, Page, get
from bastion.hub.queries import WINDOWS, Scope
from bastion.storage import Storage

HIT_OUTCOMES = ("flagged", "blocked", "masked", "not_evaluated")
_OUTCOMES = ", ".join(f"'{o}'" for o in HIT_OUTCOMES)


def _hits_sql(storage: Storage, scope: Scope) -> tuple[str, dict[str, Any]]:
    """One row per hit: request_id, ts, team, model, check_name, place, outcome."""
    params: dict[str, Any] = {"since": scope.since or 0.0, "until": scope.until or 1e12}
    team = ""
    if scope.team is not None:
        team, params["team"] = " AND r.team = :team", scope.team
    if storage.backend == "postgresql":
        checks = ("CASE WHEN jsonb_typeof((r.payload::jsonb) -> 'checks') = 'array' "
                  "THEN (r.payload::jsonb) -> 'checks' ELSE '[]'::jsonb END")  # fmt: skip
        sql = (
            "SELECT r.request_id, r.ts, r.team, r.model, c.value ->> 'check' AS check_name, "
            "c.value ->> 'where' AS place, c.value ->> 'outcome' AS outcome "
            f"FROM audit_records r, jsonb_array_elements({checks}) c "
            "WHERE r.kind = 'request' AND r.ts >= :since AND r.ts < :until"
            f"{team} AND c.value ->> 'outcome' IN ({_OUTCOMES})"
        )
    else:
        sql = (
            "SELECT r.request_id, r.ts, r.team, r.model, json_extract(c.value, '$.check') AS check_name, "
            "json_extract(c.value, '$.where') AS place, json_extract(c.value, '$.outcome') AS outcome "
            "FROM audit_records r, json_each(r.payload, '$.checks') c "
            "WHERE r.kind = 'request' AND r.ts >= :since AND r.ts < :until "
            f"AND json_type(r.payload, '$.checks') = 'array'{team} "
            f"AND json_extract(c.value, '$.outcome') IN ({_OUTCOMES})"
        )
    return sql, params


async def _rows(storage: Storage, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    async with storage.read() as conn:
        return [dict(row._mapping) for row in await conn.execute(sa.text(sql), params)]


async def figures(storage: Storage, scope: Scope, step: int) -> dict[str, Any]:
    base, params = _hits_sql(storage, scope)
    by_check = await _rows(storage, (
        f"SELECT check_name, place, outcome, COUNT(*) AS hits FROM ({base}) h "
        "GROUP BY check_name, place, outcome ORDER BY hits DESC, check_name"), params)  # fmt: skip
    by_team = await _rows(storage, (
        f"SELECT team AS grp, check_name, COUNT(*) AS hits FROM ({base}) h "
        "GROUP BY team, check_name ORDER BY hits DESC LIMIT 20"), params)  # fmt: skip
    by_model = await _rows(storage, (
        f"SELECT model AS grp, check_name, COUNT(*) AS hits FROM ({base}) h "
        "GROUP BY model, check_name ORDER BY hits DESC LIMIT 20"), params)  # fmt: skip
    buckets = await _rows(storage, (
        f"SELECT CAST(FLOOR((ts - :since) / :step) AS INTEGER) AS bucket, COUNT(*) AS hits, "
        "SUM(CASE WHEN outcome = 'blocked' THEN 1 ELSE 0 END) AS blocked "
        f"FROM ({base}) h GROUP BY CAST(FLOOR((ts - :since) / :step) AS INTEGER)"),
        {**params, "step": step})  # fmt: skip
    recent = await _rows(storage, f"SELECT * FROM ({base}) h ORDER BY ts DESC LIMIT 50", params)
    found = {int(b["bucket"]): b for b in buckets}
    since = scope.since or 0.0
    count = max(1, int(-(-((scope.until or since) - since) // step)))
    points = []
    for i in range(count):
        row = found.get(i)
        hits, blocked = (int(row["hits"]), int(row["blocked"] or 0)) if row else (0, 0)
        points.append({"start": since + i * step, "hits": hits, "blocked": blocked})
    return {"by_check": by_check, "by_team": by_team, "by_model": by_model, "points": points,
            "recent": recent, "total": sum(int(r["hits"]) for r in by_check)}  # fmt: skip


async def show(hub: HubRequest) -> dict[str, Any]:
    audit = hub.state.audit
    if audit is None:
        raise Unavailable("the audit trail is disabled (audit.enabled: false): the Hub has nothing to show")
    window = hub.query.get("window", "24h")
    if window not in WINDOWS:
        window = "24h"
    seconds, step = WINDOWS[window]
    now = time.time()
    scope = Scope(now - seconds, now, hub.team_scope)
    data = await figures(audit.store.storage, scope, step)
    configured = sorted(hub.state.config.guardrails.checks())
    return {
        **data,
        "window": window,
        "windows": list(WINDOWS),
        "team": hub.team_scope,
        "configured": configured,
        "chart_hits": charts.bars(
            data["points"], "hits", f"Hits, last {window}", step, fmt=format.num, tone="denied"
        ),
        "chart_blocked": charts.bars(
            data["points"], "blocked", f"Blocked, last {window}", step, fmt=format.num, tone="denied"
        ),
    }


PAGE = Page("guardrails", "Guardrails", "/hub/guardrails", "hub:view", routes=(get("/hub/guardrails", show),))
