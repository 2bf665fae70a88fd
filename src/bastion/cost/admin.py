"""`GET /admin/usage?group_by=team|key|model|provider|day&from=&to=` (also `team`, `key`, `model`,
`provider` filters), and `GET /admin/limits` (this worker's admission counters). A team-admin key sees
its own team only."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aiohttp import web
from pydantic import BaseModel

from bastion.audit.query import Filters, parse_time
from bastion.context import Principal
from bastion.cost.usage import GROUPS, usage_report
from bastion.errors import Unavailable, Unprocessable
from bastion.services import SERVICES

PERMISSION = "usage:read"
_PARAMS = {"group_by", "from", "to", "team", "key", "model", "provider"}


class UsageReport(BaseModel):
    group_by: str
    data: list[dict[str, Any]]
    total: dict[str, Any]
    period: dict[str, float | None]  # epoch seconds, `to` exclusive; null: unbounded


class LimitsStatus(BaseModel):
    backend: str
    counters: dict[str, int]
    price_table_date: str


async def get_usage(request: web.Request, p: Principal, _body: None) -> tuple[int, BaseModel]:
    q = request.query
    unknown = set(q) - _PARAMS
    if unknown:
        raise Unprocessable(f"unknown parameter(s): {', '.join(sorted(unknown))}", param=sorted(unknown)[0])
    group_by = q.get("group_by", "model")
    if group_by not in GROUPS:
        raise Unprocessable(f"group_by: one of {', '.join(GROUPS)}", param="group_by")
    audit = request.app[SERVICES].audit
    if audit is None:
        raise Unavailable("usage is reported from the audit trail, which is disabled (audit.enabled: false)")
    team = q.get("team")
    if p.role == "team-admin":
        team = p.team
    filters = Filters(
        since=parse_time(q.get("from"), "from"),
        until=parse_time(q.get("to"), "to"),
        team=team,
        key=q.get("key"),
        model=q.get("model"),
        provider=q.get("provider"),
    )
    report = await usage_report(audit.store, group_by, filters)
    return 200, UsageReport(
        group_by=group_by,
        data=report["data"],
        total=report["total"],
        period={"from": report["from"], "to": report["to"]},
    )


async def get_limits(request: web.Request, p: Principal, _body: None) -> tuple[int, BaseModel]:
    limiter = request.app[SERVICES].limiter
    if limiter is None:
        raise Unavailable("limits are not configured")
    counters = asdict(limiter.counters)
    return 200, LimitsStatus(
        backend=limiter.backend.name, counters=counters, price_table_date=limiter.prices.date
    )


# (method, path, handler, permission, summary, response model), registered by `bastion.admin.routes`
COST_ROUTES: tuple[tuple[Any, ...], ...] = (
    ("GET", "/admin/usage", get_usage, PERMISSION,
     "Usage and cost from the audit trail (group_by=team|key|model|provider|day, from, to, team, key, "
     "model, provider)", UsageReport),
    ("GET", "/admin/limits", get_limits, PERMISSION,
     "This worker's admission counters (admitted, refused, limits-store errors)", LimitsStatus),
)  # fmt: skip
