"""The Hub's figures, aggregated in the database (never by looping over records in Python).

Counting follows `bastion usage` (`bastion.cost.usage`) exactly: request records only; an error is a
record with an error class; spend is the sum of known costs; a cost nobody could compute is counted apart
as unknown, never as $0. The columns used are generated from each record's payload (migration hub_0001).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from bastion.hub.schema import DIMS, SUMS
from bastion.hub.schema import latency as lat
from bastion.hub.schema import records as r
from bastion.hub.schema import rollup as ru
from bastion.storage import Storage

# window name -> (seconds, chart bucket seconds)
HOUR = 3600
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
    return sa.case(
        ((r.c.hub_cost == 0) & r.c.provider.is_not(None), 1),
        ((r.c.hub_cost == 1) & r.c.hub_usd.is_(None), 1),
        else_=0,
    )


def _flag(cond: Any) -> Any:
    return sa.case((cond, 1), else_=0)


def _split(scope: Scope) -> tuple[int | None, int | None, list[tuple[float | None, float | None]]]:
    """The whole hours inside the window [h0, h1) (read from the roll-up) and the partial edges (read from
    the records); (None, None, [window]) when no whole hour fits."""
    since, until = scope.since, scope.until
    h0 = None if since is None else int(-(-since // HOUR))
    h1 = None if until is None else int(until // HOUR)
    if h0 is not None and h1 is not None and h0 >= h1:
        return None, None, [(since, until)]
    edges: list[tuple[float | None, float | None]] = []
    if since is not None and h0 is not None and since < h0 * HOUR:
        edges.append((since, h0 * HOUR))
    if until is not None and h1 is not None and h1 * HOUR < until:
        edges.append((h1 * HOUR, until))
    return h0, h1 if h1 is not None else None, edges


def _raw(scope: Scope, lo: float | None, hi: float | None) -> Any:
    denied = r.c.decision.in_(DENIED)
    cols = {
        "t0": r.c.ts,
        "team": sa.func.coalesce(r.c.team, ""), "key_id": sa.func.coalesce(r.c.key_id, ""),
        "model": sa.func.coalesce(r.c.model, ""), "provider": sa.func.coalesce(r.c.provider, ""),
        "decision": sa.func.coalesce(r.c.decision, ""),
        "reason": sa.case((denied, sa.func.coalesce(r.c.hub_code, r.c.hub_error, r.c.decision)), else_=""),
        "requests": sa.literal(1), "errors": _flag(r.c.hub_error.is_not(None)), "denied": _flag(denied),
        "pii_requests": _flag(r.c.pii_types.is_not(None)), "usd": sa.func.coalesce(r.c.hub_usd, 0.0),
        "known": _flag(r.c.hub_usd.is_not(None)), "unknown_cost": _unknown_cost(),
        "tokens_in": sa.func.coalesce(r.c.hub_in, 0), "tokens_out": sa.func.coalesce(r.c.hub_out, 0),
    }  # fmt: skip
    return sa.select(*(v.label(k) for k, v in cols.items())).where(*Scope(lo, hi, scope.team).where())


def _parts(scope: Scope) -> list[Any]:
    """The window's request facts: roll-up rows for whole hours, record rows for the edges; each part is
    aggregated on its own (cheaper than a UNION) and the small results merged (`_run`)."""
    h0, h1, edges = _split(scope)
    parts = [_raw(scope, lo, hi).subquery("edge") for lo, hi in edges]
    if h0 is not None or h1 is not None or (scope.since is None and scope.until is None):
        where = []
        if h0 is not None:
            where.append(ru.c.hour >= h0)
        if h1 is not None:
            where.append(ru.c.hour < h1)
        if scope.team is not None:
            where.append(ru.c.team == scope.team)
        cols = [(ru.c.hour * HOUR).label("t0"), *(ru.c[d] for d in DIMS), *(ru.c[n] for n in SUMS)]
        parts.append(sa.select(*cols).where(*where).subquery("hours"))
    return parts


async def _run(storage: Storage, scope: Scope, build: Any, keys: int) -> list[list[Any]]:
    """`build(part)` on every part; rows merged on their first `keys` columns, the other columns summed."""
    merged: dict[tuple[Any, ...], list[Any]] = {}
    async with storage.read() as conn:
        for part in _parts(scope):
            for row in await conn.execute(build(part)):
                key, values = tuple(row[:keys]), [v or 0 for v in row[keys:]]
                if key in merged:
                    merged[key] = [x + y for x, y in zip(merged[key], values, strict=True)]
                else:
                    merged[key] = values
    return [[*k, *v] for k, v in merged.items()]


def _none(value: Any) -> Any:
    return None if value == "" else value


async def totals(storage: Storage, scope: Scope) -> dict[str, Any]:
    rows = await _run(storage, scope, lambda f: sa.select(*(sa.func.sum(f.c[n]) for n in SUMS)), 0)
    out = dict(zip(SUMS, rows[0] if rows else [0] * len(SUMS), strict=True))
    out["usd"] = round(float(out["usd"]), 9)
    out["unknown_cost_requests"] = int(out.pop("unknown_cost"))
    out["input_tokens"] = int(out.pop("tokens_in"))
    out["output_tokens"] = int(out.pop("tokens_out"))
    return out


async def percentiles(
    storage: Storage, scope: Scope, points: tuple[float, ...] = (0.5, 0.95)
) -> list[float | None]:
    """Nearest-rank percentiles of the latency the gateway added (overhead_ms), to 0.1 ms: a histogram
    summed in the database (hourly buckets plus the window's edges)."""
    h0, h1, edges = _split(scope)
    bucket = sa.cast(sa.func.floor(r.c.hub_overhead * 10), sa.BigInteger)
    parts = [
        sa.select(bucket.label("bucket"), sa.literal(1).label("n")).where(
            *Scope(lo, hi, scope.team).where(), r.c.hub_overhead.is_not(None)
        )
        for lo, hi in edges
    ]
    if h0 is not None or h1 is not None or (scope.since is None and scope.until is None):
        where = []
        if h0 is not None:
            where.append(lat.c.hour >= h0)
        if h1 is not None:
            where.append(lat.c.hour < h1)
        if scope.team is not None:
            where.append(lat.c.team == scope.team)
        parts.append(sa.select(lat.c.bucket, lat.c.n).where(*where))
    f = (parts[0] if len(parts) == 1 else sa.union_all(*parts)).subquery("lat")
    q = sa.select(f.c.bucket, sa.func.sum(f.c.n).label("n")).group_by(f.c.bucket).order_by(f.c.bucket)
    async with storage.read() as conn:
        histogram = [(int(b), int(n)) for b, n in await conn.execute(q) if n]
    total = sum(n for _, n in histogram)
    out: list[float | None] = []
    for p in points:
        if total == 0:
            out.append(None)
            continue
        rank, seen = max(1, int(-(-p * total // 1))), 0
        for b, n in histogram:
            seen += n
            if seen >= rank:
                out.append(b / 10)
                break
    return out


async def top(storage: Storage, scope: Scope, column: str, limit: int = 5) -> list[dict[str, Any]]:
    def build(f: Any) -> Any:
        sums = (f.c.requests, f.c.errors, f.c.usd, f.c.known)
        return sa.select(f.c[column], *(sa.func.sum(c) for c in sums)).group_by(f.c[column])

    rows = await _run(storage, scope, build, 1)
    out = [
        {"group": _none(g), "requests": n, "errors": e, "usd": round(float(usd), 9) if known else None}
        for g, n, e, usd, known in rows
    ]
    return sorted(out, key=lambda x: (-x["requests"], str(x["group"] or "")))[:limit]


_BY = ("team", "key_id", "model", "decision", "reason")


@dataclass(frozen=True, slots=True)
class Breakdown:
    """A window's request figures grouped by team, key, model, decision and denial reason (summed in the
    database, a row per group): the Overview derives its totals, top lists and denial reasons from it with
    one query per part instead of one per figure."""

    rows: list[dict[str, Any]]

    def totals(self) -> dict[str, Any]:
        out = {n: sum(row[n] for row in self.rows) for n in SUMS}
        out["usd"] = round(float(out["usd"]), 9)
        out["unknown_cost_requests"] = int(out.pop("unknown_cost"))
        out["input_tokens"] = int(out.pop("tokens_in"))
        out["output_tokens"] = int(out.pop("tokens_out"))
        return out

    def top(self, column: str, limit: int = 5) -> list[dict[str, Any]]:
        groups: dict[Any, list[Any]] = {}
        for row in self.rows:
            g = groups.setdefault(row[column], [0, 0, 0.0, 0])
            g[0] += row["requests"]
            g[1] += row["errors"]
            g[2] += row["usd"]
            g[3] += row["known"]
        out = [{"group": _none(k), "requests": n, "errors": e, "usd": round(float(usd), 9) if known else None}
               for k, (n, e, usd, known) in groups.items() if n]  # fmt: skip
        return sorted(out, key=lambda x: (-x["requests"], str(x["group"] or "")))[:limit]

    def denied_reasons(self, limit: int = 10) -> list[dict[str, Any]]:
        groups: dict[tuple[str, str], int] = {}
        for row in self.rows:
            if row["denied"]:
                key = (row["reason"], row["decision"])
                groups[key] = groups.get(key, 0) + row["denied"]
        out: list[dict[str, Any]] = [
            {"reason": r_, "decision": d, "requests": n} for (r_, d), n in groups.items()
        ]
        return sorted(out, key=lambda x: (-x["requests"], x["reason"]))[:limit]


async def breakdown(storage: Storage, scope: Scope) -> Breakdown:
    def build(f: Any) -> Any:
        return sa.select(*(f.c[d] for d in _BY), *(sa.func.sum(f.c[n]) for n in SUMS)).group_by(
            *(f.c[d] for d in _BY)
        )

    rows = await _run(storage, scope, build, len(_BY))
    return Breakdown([dict(zip((*_BY, *SUMS), row, strict=True)) for row in rows if row[len(_BY)]])


async def denied_reasons(storage: Storage, scope: Scope, limit: int = 10) -> list[dict[str, Any]]:
    def build(f: Any) -> Any:
        return (
            sa.select(f.c.reason, f.c.decision, sa.func.sum(f.c.requests))
            .where(f.c.denied > 0)
            .group_by(f.c.reason, f.c.decision)
        )

    rows = await _run(storage, scope, build, 2)
    out = [{"reason": r_, "decision": d, "requests": n} for r_, d, n in rows]
    return sorted(out, key=lambda x: (-x["requests"], x["reason"]))[:limit]


async def pii_values(storage: Storage, scope: Scope) -> list[dict[str, Any]]:
    """PII values protected (any action but allow), by type: the counts in each record's `pii` summary
    (hourly roll-up `hub_pii`, plus the window's edges read from the records)."""
    h0, h1, edges = _split(scope)
    params: dict[str, Any] = {}
    team = ""
    if scope.team is not None:
        team, params["team"] = " AND r.team = :team", scope.team
    actions = ", ".join(f"'{a}'" for a in PROTECTED)
    parts = []
    for i, (lo, hi) in enumerate(edges):
        params[f"lo{i}"], params[f"hi{i}"] = lo if lo is not None else 0.0, hi if hi is not None else 1e13
        where = f"r.kind = 'request' AND r.ts >= :lo{i} AND r.ts < :hi{i} AND r.pii_types IS NOT NULL{team}"
        if storage.backend == "postgresql":
            parts.append(
                "SELECT p.key AS type, (a.value)::bigint AS n FROM audit_records r, "
                "jsonb_each((r.payload::jsonb) -> 'pii') p, jsonb_each_text(p.value) a "
                f"WHERE {where} AND jsonb_typeof((r.payload::jsonb) -> 'pii') = 'object' "
                f"AND a.key IN ({actions})"
            )
        else:
            parts.append(
                "SELECT p.key AS type, a.value AS n FROM audit_records r, json_each(r.payload, '$.pii') p, "
                f"json_each(p.value) a WHERE {where} AND a.key IN ({actions})"
            )
    if h0 is not None or h1 is not None or (scope.since is None and scope.until is None):
        cond = ["1 = 1"]
        if h0 is not None:
            cond.append("hour >= :h0")
            params["h0"] = h0
        if h1 is not None:
            cond.append("hour < :h1")
            params["h1"] = h1
        if scope.team is not None:
            cond.append("team = :team")
        parts.append(f"SELECT type, n FROM hub_pii WHERE {' AND '.join(cond)}")
    sql = f"SELECT type, SUM(n) AS n FROM ({' UNION ALL '.join(parts)}) x GROUP BY type ORDER BY n DESC"
    async with storage.read() as conn:
        rows = await conn.execute(sa.text(sql), params)
        return [{"type": row.type, "values": int(row.n or 0)} for row in rows if row.n]


async def shadow_hits(storage: Storage, scope: Scope) -> list[dict[str, Any]]:
    """Shadow-mode rule hits (rule, action, n), most first: the hourly roll-up `hub_shadow` (migration
    hub_0002) plus the window's edges read from the records' `policy.shadow` lists."""
    h0, h1, edges = _split(scope)
    params: dict[str, Any] = {}
    team = ""
    if scope.team is not None:
        team, params["team"] = " AND r.team = :team", scope.team
    parts = []
    for i, (lo, hi) in enumerate(edges):
        params[f"lo{i}"], params[f"hi{i}"] = lo if lo is not None else 0.0, hi if hi is not None else 1e13
        where = f"r.kind = 'request' AND r.ts >= :lo{i} AND r.ts < :hi{i}{team}"
        if storage.backend == "postgresql":
            hits = "((r.payload::jsonb) #> '{policy,shadow}')"
            parts.append(
                "SELECT coalesce(s ->> 'id', '') AS rule, coalesce(s ->> 'action', '') AS action, 1 AS n "
                f"FROM audit_records r, jsonb_array_elements(CASE WHEN jsonb_typeof({hits}) = 'array' "
                f"THEN {hits} ELSE '[]' END) s WHERE {where} AND strpos(r.payload, '\"shadow\":[') > 0 "
                "AND jsonb_typeof(s) = 'object'"
            )
        else:
            parts.append(
                "SELECT coalesce(json_extract(s.value, '$.id'), '') AS rule, "
                "coalesce(json_extract(s.value, '$.action'), '') AS action, 1 AS n "
                "FROM audit_records r, json_each(r.payload, '$.policy.shadow') s "
                f"WHERE {where} AND instr(r.payload, '\"shadow\":[') > 0 AND s.type = 'object'"
            )
    if h0 is not None or h1 is not None or (scope.since is None and scope.until is None):
        cond = ["1 = 1"]
        if h0 is not None:
            cond.append("hour >= :h0")
            params["h0"] = h0
        if h1 is not None:
            cond.append("hour < :h1")
            params["h1"] = h1
        if scope.team is not None:
            cond.append("team = :team")
        parts.append(f"SELECT rule, action, n FROM hub_shadow WHERE {' AND '.join(cond)}")
    sql = (
        f"SELECT rule, action, SUM(n) AS n FROM ({' UNION ALL '.join(parts)}) x GROUP BY rule, action "
        "ORDER BY n DESC, rule, action"
    )
    async with storage.read() as conn:
        rows = await conn.execute(sa.text(sql), params)
        return [{"rule": row.rule, "action": row.action, "n": int(row.n)} for row in rows if row.n]


def aligned(since: float, until: float, step: int, team: str | None = None) -> Scope:
    """A chart's window with buckets on multiples of `step` (UTC), so roll-up hours fall in one bucket."""
    return Scope(since // step * step, until, team)


async def series(storage: Storage, scope: Scope, step: int) -> list[dict[str, Any]]:
    """Requests, spend, denials and errors per bucket of `step` seconds from `scope.since` (every bucket,
    zeros included)."""
    assert scope.since is not None and scope.until is not None
    since = scope.since

    def build(f: Any) -> Any:
        bucket = sa.cast(sa.func.floor((f.c.t0 - since) / step), sa.Integer)
        sums = (f.c.requests, f.c.usd, f.c.denied, f.c.errors)
        return sa.select(bucket, *(sa.func.sum(c) for c in sums)).group_by(bucket)

    found = {int(row[0]): row for row in await _run(storage, scope, build, 1)}
    count = max(1, int(-(-(scope.until - since) // step)))
    out = []
    for i in range(count):
        row = found.get(i, [i, 0, 0.0, 0, 0])
        out.append({"start": since + i * step, "requests": int(row[1]), "usd": float(row[2]),
                    "denied": int(row[3]), "errors": int(row[4])})  # fmt: skip
    return out


def period_start(period: str, now: float) -> float | None:
    """Where a budget period began (UTC): day, week (Monday), month; None for "total"."""
    from datetime import UTC, datetime, timedelta

    t = datetime.fromtimestamp(now, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "day":
        return t.timestamp()
    if period == "week":
        return (t - timedelta(days=t.weekday())).timestamp()
    if period == "month":
        return t.replace(day=1).timestamp()
    return None


async def spent(storage: Storage, column: str, value: str, since: float | None) -> float:
    """Known spend of one team (by name) or key (by id) since a time."""
    rows = await _run(
        storage, Scope(since, None), lambda f: sa.select(sa.func.sum(f.c.usd)).where(f.c[column] == value), 0
    )
    return float(rows[0][0]) if rows else 0.0


async def spend_by(storage: Storage, scope: Scope, group_by: str, limit: int = 1000) -> list[dict[str, Any]]:
    """Usage per team, key, model, provider or UTC day, as `bastion usage --group-by` reports it."""
    from datetime import UTC, datetime

    names = ("requests", "errors", "tokens_in", "tokens_out", "usd", "unknown_cost")

    def build(f: Any) -> Any:
        if group_by == "day":
            group: Any = sa.cast(sa.func.floor(f.c.t0 / 86400), sa.Integer)
        else:
            group = f.c[{"key": "key_id"}.get(group_by, group_by)]
        return sa.select(group, *(sa.func.sum(f.c[n]) for n in names)).group_by(group)

    rows = []
    for raw, n, e, tin, tout, usd, unknown in await _run(storage, scope, build, 1):
        group = raw
        if group_by == "day" and raw is not None:
            group = datetime.fromtimestamp(int(raw) * 86400, UTC).date().isoformat()
        rows.append({"group": _none(group), "requests": n, "errors": e, "input_tokens": tin,
                     "output_tokens": tout, "usd": round(float(usd), 9),
                     "unknown_cost_requests": unknown})  # fmt: skip
    if group_by == "day":
        return sorted(rows, key=lambda x: x["group"] or "")[:limit]
    return sorted(rows, key=lambda x: (-x["usd"], -x["requests"], str(x["group"] or "")))[:limit]
