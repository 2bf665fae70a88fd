"""Teams (`/hub/teams`): list with key counts and budget used vs limit; create and edit (models, regions,
rate limits, budget) through the admin API's routes (teams:write: admin only); a team-admin sees its own
team, an auditor reads."""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from bastion.errors import GatewayError, Unprocessable
from bastion.hub import queries
from bastion.hub.actions import call_admin
from bastion.hub.page import HubRequest, Page, get, post


def _list(value: str) -> list[str] | None:
    items = [v.strip() for v in value.replace("\n", ",").split(",") if v.strip()]
    return items or None


def _settings(hub: HubRequest) -> dict[str, Any]:
    def number(name: str) -> float | None:
        raw = hub.field(name)
        if not raw:
            return None
        try:
            return float(raw)
        except ValueError:
            raise Unprocessable(f"{name}: a number", param=name) from None

    limits = {k: int(v) for k in ("rpm", "tpm", "concurrency") if (v := number(k)) is not None}
    usd = number("budget_usd")
    return {
        "models": _list(hub.field("models")),
        "regions": _list(hub.field("regions")),
        "limits": limits or None,
        "budget": {"usd": usd, "period": hub.field("budget_period") or "month"} if usd is not None else None,
    }


async def _page(hub: HubRequest, **extra: Any) -> dict[str, Any]:
    teams = (await call_admin(hub.request, hub.principal, "GET", "/admin/teams")).model_dump()["data"]
    keys = (await call_admin(hub.request, hub.principal, "GET", "/admin/keys")).model_dump()["data"]
    now = time.time()
    for t in teams:
        t["keys"] = sum(1 for k in keys if k["team_id"] == t["id"] and k["status"] == "active")
        budget = t.get("budget")
        if budget and hub.state.audit is not None:
            since = queries.period_start(budget.get("period", "month"), now)
            t["spent"] = await queries.spent(hub.state.audit.store.storage, "team", t["name"], since)
    return {"teams": teams, "can_write": hub.can("teams:write"), **extra}


async def show(hub: HubRequest) -> dict[str, Any]:
    return await _page(hub, notice=hub.query.get("done"))


async def create(hub: HubRequest) -> web.StreamResponse | dict[str, Any]:
    body = {"name": hub.field("name"), **{k: v for k, v in _settings(hub).items() if v is not None}}
    try:
        await call_admin(hub.request, hub.principal, "POST", "/admin/teams", body)
    except GatewayError as err:
        if err.status_code == 403:
            raise
        return await _page(hub, error=err.message, errors=getattr(err, "errors", None))
    raise web.HTTPSeeOther("/hub/teams?done=created")


async def update(hub: HubRequest) -> web.StreamResponse | dict[str, Any]:
    body = _settings(hub)
    if name := hub.field("name"):
        body["name"] = name
    try:
        await call_admin(hub.request, hub.principal, "PATCH", "/admin/teams/{id}", body)
    except GatewayError as err:
        if err.status_code == 403:
            raise
        return await _page(hub, error=err.message, errors=getattr(err, "errors", None))
    raise web.HTTPSeeOther("/hub/teams?done=updated")


PAGE = Page(
    "teams",
    "Teams",
    "/hub/teams",
    "teams:read",
    routes=(
        get("/hub/teams", show),
        post("/hub/teams", create, "teams:write"),
        post("/hub/teams/{id}/edit", update, "teams:write"),
    ),
)
