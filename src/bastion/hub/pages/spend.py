"""Spend (`/hub/spend`): usage and cost by team, key, model, provider or day over a window, budget
burn-down for every team and key with a budget, and CSV export. Figures as `bastion usage` gives them
(aggregated in the database); a team-admin sees its own team only."""

from __future__ import annotations

import csv
import io
import time
from typing import Any

from aiohttp import web

from bastion.errors import Unavailable
from bastion.hub import charts, format, queries
from bastion.hub.actions import call_admin
from bastion.hub.page import HubRequest, Page, get
from bastion.hub.queries import Scope

GROUPS = ("team", "key", "model", "provider", "day")
WINDOWS = {"24h": 86400, "7d": 7 * 86400, "30d": 30 * 86400, "90d": 90 * 86400, "all": None}
COLUMNS = ("group", "requests", "errors", "input_tokens", "output_tokens", "usd", "unknown_cost_requests")


def _scope(hub: HubRequest) -> tuple[Scope, str, str]:
    group_by = hub.query.get("group_by", "team")
    if group_by not in GROUPS:
        group_by = "team"
    window = hub.query.get("window", "30d")
    if window not in WINDOWS:
        window = "30d"
    seconds = WINDOWS[window]
    now = time.time()
    return Scope(now - seconds if seconds else None, None, hub.team_scope), group_by, window


def _storage(hub: HubRequest) -> Any:
    if hub.state.audit is None:
        raise Unavailable("spend is reported from the audit trail, which is disabled (audit.enabled: false)")
    return hub.state.audit.store.storage


async def _budgets(hub: HubRequest, storage: Any) -> list[dict[str, Any]]:
    """Every team and key with a budget: spent in the current period against the limit, and a daily
    cumulative chart of the period (the burn-down)."""
    now = time.time()
    out = []
    teams = (await call_admin(hub.request, hub.principal, "GET", "/admin/teams")).model_dump()["data"]
    keys = (await call_admin(hub.request, hub.principal, "GET", "/admin/keys")).model_dump()["data"]
    owners = [("team", t["name"], t["name"], t.get("budget")) for t in teams]
    owners += [("key", k["name"], k["id"], k.get("budget")) for k in keys if k["status"] == "active"]
    for kind, label, ref, budget in owners:
        if not budget or budget.get("usd") is None:
            continue
        period = budget.get("period", "month")
        since = queries.period_start(period, now)
        column = "team" if kind == "team" else "key_id"
        spent = await queries.spent(storage, column, ref, since)
        item = {"kind": kind, "name": label, "period": period, "limit": float(budget["usd"]), "spent": spent,
                "soft": budget.get("soft_usd")}  # fmt: skip
        if since is not None:
            scope = Scope(since, now, ref if kind == "team" else None)
            points = await queries.series(storage, scope, 86400) if kind == "team" else []
            total = 0.0
            for p in points:
                total += p["usd"]
                p["remaining"] = max(0.0, item["limit"] - total)
            if points:
                item["chart"] = charts.bars(points, "remaining", f"{label}: budget left, {period}", 86400,
                                            fmt=format.usd, tone="spend")  # fmt: skip
        out.append(item)
    return out


async def show(hub: HubRequest) -> dict[str, Any]:
    storage = _storage(hub)
    scope, group_by, window = _scope(hub)
    rows = await queries.spend_by(storage, scope, group_by)
    total = await queries.totals(storage, scope)
    return {
        "rows": rows, "total": total, "group_by": group_by, "groups": GROUPS, "window": window,
        "windows": list(WINDOWS), "budgets": await _budgets(hub, storage), "team": hub.team_scope,
    }  # fmt: skip


async def export(hub: HubRequest) -> web.StreamResponse:
    storage = _storage(hub)
    scope, group_by, window = _scope(hub)
    rows = await queries.spend_by(storage, scope, group_by, limit=100_000)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([group_by if c == "group" else c for c in COLUMNS])
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in COLUMNS])
    return web.Response(
        text=buf.getvalue(),
        content_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="bastion-spend-{group_by}-{window}.csv"'},
    )


PAGE = Page(
    "spend",
    "Spend",
    "/hub/spend",
    "hub:spend",
    routes=(get("/hub/spend", show), get("/hub/spend.csv", export)),
)
