"""Keys (`/hub/keys`): list with budget used vs limit, create (the key is shown once), edit models,
limits, budget and expiry, rotate, revoke. Every change runs the admin API's route (`call_admin`): a
team-admin manages only its own team's keys, an auditor only reads; each change is in the audit trail."""

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


def _number(hub: HubRequest, name: str) -> float | None:
    raw = hub.field(name)
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        raise Unprocessable(f"{name}: a number", param=name) from None


def _settings(hub: HubRequest) -> dict[str, Any]:
    """The form's models, expiry, limits and budget as the admin API's body."""
    body: dict[str, Any] = {"models": _list(hub.field("models")) or ["*"]}
    if expires := hub.field("expires_at"):
        body["expires_at"] = expires
    limits = {k: int(v) for k in ("rpm", "tpm", "concurrency") if (v := _number(hub, k)) is not None}
    body["limits"] = limits or None
    usd = _number(hub, "budget_usd")
    body["budget"] = (
        {"usd": usd, "period": hub.field("budget_period") or "month"} if usd is not None else None
    )
    return body


async def _rows(hub: HubRequest) -> list[dict[str, Any]]:
    keys = await call_admin(hub.request, hub.principal, "GET", "/admin/keys")
    now = time.time()
    rows = []
    for k in keys.data:  # type: ignore[attr-defined]
        row = k.model_dump()
        budget = row.get("budget")
        if budget and hub.state.audit is not None:
            since = queries.period_start(budget.get("period", "month"), now)
            row["spent"] = await queries.spent(hub.state.audit.store.storage, "key_id", row["id"], since)
        row["editable"] = row["status"] != "revoked"
        rows.append(row)
    return rows


async def _teams(hub: HubRequest) -> list[Any]:
    try:
        return list((await call_admin(hub.request, hub.principal, "GET", "/admin/teams")).data)  # type: ignore[attr-defined]
    except GatewayError:
        return []


async def _page(hub: HubRequest, **extra: Any) -> dict[str, Any]:
    return {
        "keys": await _rows(hub),
        "teams": await _teams(hub),
        "can_write": hub.can("keys:write"),
        "roles": ("", "team-admin")
        if hub.principal.role == "team-admin"
        else ("", "admin", "team-admin", "auditor"),
        **extra,
    }


async def show(hub: HubRequest) -> dict[str, Any]:
    return await _page(hub, notice=hub.query.get("done"))


async def create(hub: HubRequest) -> dict[str, Any]:
    body = {"name": hub.field("name"), **_settings(hub)}
    for name in ("team", "user", "role"):
        if value := hub.field(name):
            body[name] = value
    try:
        created = await call_admin(hub.request, hub.principal, "POST", "/admin/keys", body)
    except GatewayError as err:
        if err.status_code == 403:
            raise
        errors = getattr(err, "errors", None)
        form = dict(hub.form or {})
        return await _page(hub, error=err.message, errors=errors, form=form)
    return await _page(hub, created=created.model_dump())


async def rotate(hub: HubRequest) -> dict[str, Any]:
    grace = _number(hub, "grace_seconds") or 0
    try:
        rotated = await call_admin(
            hub.request, hub.principal, "POST", "/admin/keys/{id}/rotate", {"grace_seconds": grace}
        )
    except GatewayError as err:
        if err.status_code == 403:
            raise
        return await _page(hub, error=err.message)
    return await _page(hub, created=rotated.model_dump(), rotated=True)


async def revoke(hub: HubRequest) -> web.StreamResponse | dict[str, Any]:
    try:
        await call_admin(hub.request, hub.principal, "DELETE", "/admin/keys/{id}")
    except GatewayError as err:
        if err.status_code == 403:
            raise
        return await _page(hub, error=err.message)
    raise web.HTTPSeeOther("/hub/keys?done=revoked")


async def update(hub: HubRequest) -> web.StreamResponse | dict[str, Any]:
    body = _settings(hub)
    if name := hub.field("name"):
        body["name"] = name
    if not hub.field("expires_at"):
        body["expires_at"] = None
    try:
        await call_admin(hub.request, hub.principal, "PATCH", "/admin/keys/{id}", body)
    except GatewayError as err:
        if err.status_code == 403:
            raise
        return await _page(hub, error=err.message, errors=getattr(err, "errors", None))
    raise web.HTTPSeeOther("/hub/keys?done=updated")


PAGE = Page(
    "keys",
    "Keys",
    "/hub/keys",
    "keys:read",
    routes=(
        get("/hub/keys", show),
        post("/hub/keys", create, "keys:write"),
        post("/hub/keys/{id}/rotate", rotate, "keys:write"),
        post("/hub/keys/{id}/revoke", revoke, "keys:write"),
        post("/hub/keys/{id}/edit", update, "keys:write"),
    ),
)
