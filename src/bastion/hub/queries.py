"""The Hub's figures, aggregated in the database (never by looping over records in Python).

Counting follows `bastion usage` (`bastion.cost.usage`) exactly: request records only; an error is a
record with an error class; spend is the sum of known costs; a cost nobody could compute is counted apart
as unknown, never as $0. The columns used are generated from each record's payload (migration hub_0001).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from bastion.hub.schema import records as r
from bastion.storage import Storage

# window name -> (seconds, chart bucket seconds)
WINDOWS: dict[str, tuple[int, int]] = {"1h": (3600, 300), "24h": (86400, 3600), "7d": (7 * 86400, 6 * 3600)}
DENIED = ("denied", "blocked")
PROTECTED = ("pseudonymize", "mask", "hash", "redact", "replace", "block")  # PII actions (not "allow")


@dataclass(frozen=True, slots=True)
class Scope:
    """Which request records: a time window [since, until) and, for a team-admin, one team."""

    since: float | None
    until: float | None
    team: str | None = None

    def where(self) -> list[Any]:
        out: list[Any] = [r.c.kind == "request"]
        if self.since is not None:
            out.append(r.c.ts >= self.since)
        if self.until is not None:
            out.append(r.c.ts < self.until)
        if self.team is not None:
            out.append(r.c.team == self.team)
        return out


def _unknown_cost() -> Any:
    return sa.func.sum(
        sa.case(
            ((r.c.hub_cost == 0) & r.c.provider.is_not(None), 1),
            ((r.c.hub_cost == 1) & r.c.hub_usd.is_(None), 1),
            else_=0,
        )
    )


async def totals(storage: Storage, scope: Scope) -> dict[str, Any]:
    q = sa.select(
        sa.func.count().label("requests"),
        sa.func.sum(sa.case((r.c.hub_error.is_not(None), 1), else_=0)).label("errors"),
        sa.func.sum(sa.case((r.c.decision.in_(DENIED), 1), else_=0)).label("denied"),
        sa.func.sum(sa.case((r.c.pii_types.is_not(None), 1), else_=0)).label("pii_requests"),
        sa.func.sum(r.c.hub_usd).label("usd"),
        _unknown_cost().label("unknown_cost_requests"),
        sa.func.sum(r.c.hub_in).label("input_tokens"),
        sa.func.sum(r.c.hub_out).label("output_tokens"),
    ).where(*scope.where())
    async with storage.read() as conn:
        row = (await conn.execute(q)).one()
    out = {k: (v or 0) for k, v in row._mapping.items()}
    out["usd"] = round(float(out["usd"]), 9)
    return out


async def percentiles(
    storage: Storage, scope: Scope, points: tuple[float, ...] = (0.5, 0.95)
) -> list[float | None]:
    """Nearest-rank percentiles of the latency the gateway added (overhead_ms), by index order."""
    where = [*scope.where(), r.c.hub_overhead.is_not(None)]
    async with storage.read() as conn:
        n = int((await conn.execute(sa.select(sa.func.count()).where(*where))).scalar_one())
        out: list[float | None] = []
        for p in points:
            if n == 0:
                out.append(None)
                continue
            rank = max(0, min(n - 1, int(-(-p * n // 1)) - 1))
            q = sa.select(r.c.hub_overhead).where(*where).order_by(r.c.hub_overhead).offset(rank).limit(1)
            out.append(float((await conn.execute(q)).scalar_one()))
    return out


async def top(storage: Storage, scope: Scope, column: str, limit: int = 5) -> list[dict[str, Any]]:
    col = r.c[column]
    q = (
        sa.select(
            col.label("group"),
            sa.func.count().label("requests"),
            sa.func.sum(sa.case((r.c.hub_error.is_not(None), 1), else_=0)).label("errors"),
            sa.func.sum(r.c.hub_usd).label("usd"),
        )
        .where(*scope.where())
        .group_by(col)
        .order_by(sa.desc("requests"))
        .limit(limit)
    )
    async with storage.read() as conn:
        return [dict(row._mapping) for row in await conn.execute(q)]


async def denied_reasons(storage: Storage, scope: Scope, limit: int = 10) -> list[dict[str, Any]]:
    reason = sa.func.coalesce(r.c.hub_code, r.c.hub_error, r.c.decision)
    q = (
        sa.select(reason.label("reason"), r.c.decision, sa.func.count().label("requests"))
        .where(*scope.where(), r.c.decision.in_(DENIED))
        .group_by(reason, r.c.decision)
        .order_by(sa.desc("requests"))
        .limit(limit)
    )
    async with storage.read() as conn:
        return [dict(row._mapping) for row in await conn.execute(q)]


async def pii_values(storage: Storage, scope: Scope) -> list[dict[str, Any]]:
    """PII values protected (any action but allow), by type: the counts in each record's `pii` summary."""
    params: dict[str, Any] = {"since": scope.since or 0.0, "until": scope.until or 1e12}
    team = ""
    if scope.team is not None:
        team, params["team"] = " AND r.team = :team", scope.team
    actions = ", ".join(f"'{a}'" for a in PROTECTED)
    if storage.backend == "postgresql":
        sql = (
            "SELECT p.key AS type, SUM((a.value)::bigint) AS n FROM audit_records r, "
            "jsonb_each((r.payload::jsonb) -> 'pii') p, jsonb_each_text(p.value) a "
            "WHERE r.kind = 'request' AND r.ts >= :since AND r.ts < :until AND r.pii_types IS NOT NULL "
            f"AND jsonb_typeof((r.payload::jsonb) -> 'pii') = 'object' AND a.key IN ({actions}){team} "
            "GROUP BY p.key ORDER BY n DESC"
        )
    else:
        sql = (
            "SELECT p.key AS type, SUM(a.value) AS n FROM audit_records r, json_each(r.payload, '$.pii') p, "
            "json_each(p.value) a WHERE r.kind = 'request' AND r.ts >= :since AND r.ts < :until "
            f"AND r.pii_types IS NOT NULL AND a.key IN ({actions}){team} GROUP BY p.key ORDER BY n DESC"
        )
    async with storage.read() as conn:
        return [
            {"type": row.type, "values": int(row.n or 0)} for row in await conn.execute(sa.text(sql), params)
        ]


async def series(storage: Storage, scope: Scope, step: int) -> list[dict[str, Any]]:
    """Requests, spend and denials per bucket of `step` seconds from `scope.since` (every bucket, zeros
    included)."""
    assert scope.since is not None and scope.until is not None
    bucket = sa.cast(sa.func.floor((r.c.ts - scope.since) / step), sa.Integer).label("bucket")
    q = (
        sa.select(
            bucket,
            sa.func.count().label("requests"),
            sa.func.sum(r.c.hub_usd).label("usd"),
            sa.func.sum(sa.case((r.c.decision.in_(DENIED), 1), else_=0)).label("denied"),
            sa.func.sum(sa.case((r.c.hub_error.is_not(None), 1), else_=0)).label("errors"),
        )
        .where(*scope.where())
        .group_by(bucket)
    )
    async with storage.read() as conn:
        found = {int(row.bucket): row for row in await conn.execute(q)}
    count = max(1, int(-(-(scope.until - scope.since) // step)))
    out = []
    for i in range(count):
        row = found.get(i)
        out.append({
            "start": scope.since + i * step,
            "requests": int(row.requests) if row else 0,
            "usd": float(row.usd or 0) if row else 0.0,
            "denied": int(row.denied or 0) if row else 0,
            "errors": int(row.errors or 0) if row else 0,
        })  # fmt: skip
    return out
