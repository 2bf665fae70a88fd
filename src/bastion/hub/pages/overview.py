"""Overview (`/hub`): the last hour, 24 hours and 7 days at a glance, from the audit trail.

The same numbers as `GET /admin/usage` / `bastion usage` for the same window (requests, errors, spend),
plus denials by reason, PII values protected by type, the latency the gateway added (p50/p95), the
busiest teams, models and keys, and charts of requests, spend and denials over the selected window."""

from __future__ import annotations

import time
from typing import Any

from bastion.errors import Unavailable
from bastion.hub import charts, format, queries
from bastion.hub.page import HubRequest, Page, get
from bastion.hub.queries import WINDOWS, Scope


async def show(hub: HubRequest) -> dict[str, Any]:
    audit = hub.state.audit
    if audit is None:
        raise Unavailable("the audit trail is disabled (audit.enabled: false): the Hub has nothing to show")
    storage = audit.store.storage
    window = hub.query.get("window", "24h")
    if window not in WINDOWS:
        window = "24h"
    now = time.time()
    team = hub.team_scope
    seconds, step = WINDOWS[window]
    scope = Scope(now - seconds, now, team)
    selected = await queries.breakdown(storage, scope)  # totals, top lists and denials in one pass
    summary = []
    for name, (length, _step) in WINDOWS.items():
        window_scope = scope if name == window else Scope(now - length, now, team)
        figures = selected.totals() if name == window else await queries.totals(storage, window_scope)
        figures["p50"], figures["p95"] = await queries.percentiles(storage, window_scope)
        summary.append({"window": name, "from": window_scope.since, "to": window_scope.until, **figures})
    points = await queries.series(storage, queries.aligned(now - seconds, now, step, team), step)
    return {
        "window": window,
        "windows": list(WINDOWS),
        "summary": summary,
        "selected": next(s for s in summary if s["window"] == window),
        "denied": selected.denied_reasons(),
        "pii": await queries.pii_values(storage, scope),
        "top_teams": selected.top("team"),
        "top_models": selected.top("model"),
        "top_keys": selected.top("key_id"),
        "chart_requests": charts.bars(points, "requests", f"Requests, last {window}", step, fmt=format.num),
        "chart_spend": charts.bars(
            points, "usd", f"Spend (USD), last {window}", step, fmt=format.usd, tone="spend"
        ),
        "chart_denied": charts.bars(
            points, "denied", f"Denied or blocked, last {window}", step, fmt=format.num, tone="denied"
        ),
        "team": team,
    }


PAGE = Page("overview", "Overview", "/hub", "hub:view", routes=(get("/hub", show),))
