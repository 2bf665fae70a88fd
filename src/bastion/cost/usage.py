"""Usage reports from the audit trail: requests, tokens and USD grouped by team, key, model, provider or
UTC day. Costs the audit records as unknown are counted apart (`unknown_cost_requests`), never as $0."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from bastion.audit.query import Filters, scan
from bastion.audit.store import AuditStore

GROUPS = ("team", "key", "model", "provider", "use_case", "day")
_FIELD = {"team": "team", "key": "key_id", "model": "model", "provider": "provider", "use_case": "use_case"}


@dataclass(slots=True)
class Row:
    group: str | None
    requests: int = 0
    errors: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    usd: float = 0.0
    estimated_requests: int = 0  # costed from content: the provider reported no usage
    unknown_cost_requests: int = 0  # no price or no usage: not in `usd`
    cache_hits: int = 0
    saved_usd: float = 0.0

    def add(self, rec: dict[str, Any]) -> None:
        self.requests += 1
        if rec.get("error"):
            self.errors += 1
        if rec.get("cache_hit"):
            self.cache_hits += 1
        cost = rec.get("cost")
        if not isinstance(cost, dict):
            self.input_tokens += rec.get("tokens_in") or 0
            self.output_tokens += rec.get("tokens_out") or 0
            if rec.get("provider"):
                self.unknown_cost_requests += 1
            return
        self.input_tokens += cost.get("input_tokens") or 0
        self.output_tokens += cost.get("output_tokens") or 0
        self.cache_read_tokens += cost.get("cache_read_tokens") or 0
        self.cache_write_tokens += cost.get("cache_write_tokens") or 0
        self.saved_usd += cost.get("saved_usd") or 0.0
        if cost.get("usd") is None:
            self.unknown_cost_requests += 1
            return
        self.usd += cost["usd"]
        if cost.get("source") == "estimated":
            self.estimated_requests += 1


def _group(rec: dict[str, Any], group_by: str) -> str | None:
    if group_by == "day":
        ts = rec.get("ts_start")
        return datetime.fromtimestamp(ts, UTC).date().isoformat() if isinstance(ts, int | float) else None
    value = rec.get(_FIELD[group_by])
    return str(value) if value is not None else None


async def usage_report(store: AuditStore, group_by: str, filters: Filters) -> dict[str, Any]:
    filters.kind = "request"
    rows: dict[str | None, Row] = {}
    total = Row("total")
    async for rec in scan(store, filters):
        key = _group(rec, group_by)
        row = rows.get(key)
        if row is None:
            row = rows[key] = Row(key)
        row.add(rec)
        total.add(rec)
    ordered = sorted(rows.values(), key=lambda r: (-r.usd, r.group or ""))
    if group_by == "day":
        ordered = sorted(rows.values(), key=lambda r: r.group or "")
    return {
        "group_by": group_by,
        "from": filters.since,
        "to": filters.until,
        "data": [_rounded(asdict(r)) for r in ordered],
        "total": _rounded(asdict(total)),
    }


def _rounded(row: dict[str, Any]) -> dict[str, Any]:
    row["usd"] = round(row["usd"], 9)
    row["saved_usd"] = round(row["saved_usd"], 9)
    return row
