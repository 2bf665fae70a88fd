"""The admin API: one table of routes (method, path, permission, request and response models), the
handlers, and the wrapper that authenticates, checks the role and renders errors.

Roles (admin-scoped virtual keys; the config admin key is "admin"):
    admin       everything
    team-admin  keys of its own team (list, create, update, rotate, revoke); reads its own team
    auditor     read-only: teams, keys' metadata, the (redacted) config, audit, usage, policies
A virtual key without a role has no admin rights (403).
"""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson
from aiohttp import web
from pydantic import BaseModel, ValidationError

from bastion.admin import models as m
from bastion.admin.live import LIVE_ROUTES
from bastion.audit.admin import AUDIT_ROUTES, record_change, state_before
from bastion.compliance.admin import COMPLIANCE_ROUTES
from bastion.config.public import public_config
from bastion.context import Principal
from bastion.cost.admin import COST_ROUTES
from bastion.errors import (
    BadRequest,
    Forbidden,
    GatewayError,
    Unauthorized,
    Unprocessable,
    openai_body,
)
from bastion.identity.access import presented_key
from bastion.policy.admin import POLICY_ROUTES
from bastion.routing.health import ROUTING_ROUTES
from bastion.server.state import STATE, GatewayState
from bastion.services import RawBody
from bastion.shadow.admin import SHADOW_ROUTES

PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset(
        {"teams:read", "teams:write", "keys:read", "keys:write", "config:read", "whoami", "audit:read"}
        | {"policies:read", "policies:write", "usage:read"}
        | {"compliance:read", "use_cases:read", "use_cases:write", "reviews:read", "reviews:decide"}
        | {"policies:read", "policies:write", "usage:read", "shadow:read", "shadow:write"}
        | {"config:write"}
    ),
    "team-admin": frozenset({"teams:read", "keys:read", "keys:write", "whoami", "usage:read"}),
    "auditor": frozenset(
        {"teams:read", "keys:read", "config:read", "whoami", "audit:read", "policies:read", "usage:read"}
        # reviews:decide only with reviews.auditors_may_decide (checked by the handler)
        | {"compliance:read", "use_cases:read", "reviews:read", "reviews:decide"}
        | {"shadow:read"}
    ),
}

Handler = Callable[[web.Request, Principal, Any], Awaitable[tuple[int, BaseModel]]]


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    path: str
    handler: Handler
    permission: str
    summary: str
    response: type[BaseModel]
    body: type[BaseModel] | None = None
    status: int = 200


# --- helpers -----------------------------------------------------------------------------------------
def _state(request: web.Request) -> GatewayState:
    return request.app[STATE]


def _authenticate(state: GatewayState, request: web.Request) -> Principal:
    key = presented_key(request.headers)
    if not key:
        raise Unauthorized("missing API key: send 'Authorization: Bearer <key>'")
    principal = state.authenticator.authenticate(key)
    if principal is None:
        raise Unauthorized("invalid API key")
    return principal


def _authorize(principal: Principal, permission: str) -> None:
    if principal.role is None:
        raise Forbidden("this key has no admin rights", code="admin_role_required")
    if permission not in PERMISSIONS.get(principal.role, frozenset()):
        raise Forbidden(f"role '{principal.role}' may not do this ({permission})", code="insufficient_role")


def _json(value: BaseModel | None) -> dict[str, Any] | None:
    """A nested request model (limits, budget) as stored JSON, unset fields left out."""
    return value.model_dump(exclude_none=True) if value is not None else None


def _own_team(principal: Principal, team_id: str | None) -> None:
    """A team-admin acts only on its own team."""
    if principal.role == "team-admin" and team_id != principal.team_id:
        raise Forbidden("a team-admin key may only manage keys of its own team", code="other_team")


def _field_errors(exc: ValidationError) -> Unprocessable:
    errors = []
    for e in exc.errors():
        field = ".".join(str(p) for p in e["loc"]) or "body"
        msg = "unknown field" if e["type"] == "extra_forbidden" else e["msg"].removeprefix("Value error, ")
        errors.append({"field": field, "message": msg})
    first = errors[0]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return Unprocessable(f"{first['field']}: {first['message']}{more}", param=first["field"], errors=errors)


async def _parse(request: web.Request, model: type[BaseModel]) -> BaseModel:
    raw = await request.read()
    try:
        data = orjson.loads(raw) if raw.strip() else {}
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"the request body is not valid JSON: {exc}", code="invalid_json") from None
    if not isinstance(data, dict):
        raise BadRequest("the request body must be a JSON object", code="invalid_json")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _field_errors(exc) from None


def _error(err: GatewayError, rid: str) -> web.Response:
    body = openai_body(err)
    if isinstance(err, Unprocessable) and err.errors:
        tree = orjson.loads(body)
        tree["error"]["errors"] = err.errors
        body = orjson.dumps(tree)
    return web.Response(
        body=body,
        status=err.status_code,
        content_type="application/json",
        headers={"x-request-id": rid, **err.headers},
    )


def endpoint(route: Route) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        rid = request.headers.get("x-request-id") or os.urandom(12).hex()
        state = _state(request)
        principal: Principal | None = None
        try:
            principal = _authenticate(state, request)
            _authorize(principal, route.permission)
            body = await _parse(request, route.body) if route.body is not None else None
            before = await state_before(request, principal, route, ROUTES) if route.method != "GET" else None
            status, out = await route.handler(request, principal, body)
        except GatewayError as err:
            if principal is not None:
                record_change(
                    request, principal, route, status=err.status_code, before=None, after=None, request_id=rid
                )
            return _error(err, rid)
        record_change(request, principal, route, status=status, before=before, after=out, request_id=rid)
        if isinstance(out, RawBody):  # a report as Markdown, HTML or PDF
            disposition = {}
            if out.filename:
                disposition["Content-Disposition"] = f'attachment; filename="{out.filename}"'
            return web.Response(body=out.body, status=status, content_type=out.content_type,
                                headers={"x-request-id": rid, **disposition})  # fmt: skip
        return web.Response(
            body=out.model_dump_json(),
            status=status,
            content_type="application/json",
            headers={"x-request-id": rid},
        )

    handle.__name__ = route.handler.__name__
    return handle


# --- teams -------------------------------------------------------------------------------------------
async def create_team(request: web.Request, p: Principal, body: m.TeamCreate) -> tuple[int, BaseModel]:
    team = await _state(request).identity.admin.create_team(
        body.name,
        metadata=body.metadata,
        models=body.models,
        regions=body.regions,
        limits=_json(body.limits),
        budget=_json(body.budget),
    )
    return 201, m.TeamOut.of(team)


async def list_teams(request: web.Request, p: Principal, _body: None) -> tuple[int, BaseModel]:
    teams = await _state(request).identity.admin.list_teams()
    if p.role == "team-admin":
        teams = [t for t in teams if t.id == p.team_id]
    return 200, m.TeamList(data=[m.TeamOut.of(t) for t in teams])


async def get_team(request: web.Request, p: Principal, _body: None) -> tuple[int, BaseModel]:
    team = await _state(request).identity.admin.get_team(request.match_info["id"])
    if p.role == "team-admin" and team.id != p.team_id:
        raise Forbidden("a team-admin key may only read its own team", code="other_team")
    return 200, m.TeamOut.of(team)


async def update_team(request: web.Request, p: Principal, body: m.TeamUpdate) -> tuple[int, BaseModel]:
    changes = body.model_dump(exclude_unset=True)
    for nested in ("limits", "budget"):
        if nested in changes:
            changes[nested] = _json(getattr(body, nested))
    if not changes:
        raise Unprocessable("send at least one of name, metadata, models, regions", param="body")
    if "name" in changes and changes["name"] is None:
        raise Unprocessable(
            "name: may not be null", param="name", errors=[{"field": "name", "message": "null"}]
        )
    if "metadata" in changes and changes["metadata"] is None:
        changes["metadata"] = {}
    team = await _state(request).identity.admin.update_team(request.match_info["id"], changes)
    return 200, m.TeamOut.of(team)


async def delete_team(request: web.Request, p: Principal, _body: None) -> tuple[int, BaseModel]:
    team = await _state(request).identity.admin.delete_team(request.match_info["id"])
    return 200, m.Deleted(id=team.id)


# --- keys --------------------------------------------------------------------------------------------
async def _key_out(state: GatewayState, records: list[Any]) -> list[m.KeyOut]:
    names = await state.identity.admin.team_names()
    now = time.time()
    return [m.KeyOut.of(k, names, now) for k in records]


async def create_key(request: web.Request, p: Principal, body: m.KeyCreate) -> tuple[int, BaseModel]:
    state = _state(request)
    team = body.team
    if p.role == "team-admin":
        if body.role not in (None, "team-admin"):
            raise Forbidden(f"a team-admin key may not create '{body.role}' keys", code="insufficient_role")
        team = team or p.team_id
        if team is not None and team not in (p.team_id, p.team):
            raise Forbidden("a team-admin key may only create keys in its own team", code="other_team")
    record, secret = await state.identity.admin.create_key(
        body.name,
        team=team,
        user=body.user,
        models=body.models,
        regions=body.regions,
        expires_at=m.epoch(body.expires_at),
        role=body.role,
        limits=_json(body.limits),
        budget=_json(body.budget),
        created_by=p.name if p.key_id == "admin" else f"{p.name} ({p.key_id})",
    )
    out = (await _key_out(state, [record]))[0]
    return 201, m.KeyCreated(**out.model_dump(), key=secret)


async def list_keys(request: web.Request, p: Principal, _body: None) -> tuple[int, BaseModel]:
    state = _state(request)
    team_id = None
    if ref := request.query.get("team"):
        team_id = (await state.identity.admin.get_team(ref)).id
    if p.role == "team-admin":
        _own_team(p, team_id or p.team_id)
        team_id = p.team_id
    keys = await state.identity.admin.list_keys(team_id=team_id)
    return 200, m.KeyList(data=await _key_out(state, keys))


async def _scoped_key(request: web.Request, p: Principal) -> Any:
    key = await _state(request).identity.admin.get_key(request.match_info["id"])
    _own_team(p, key.team_id)
    return key


async def get_key(request: web.Request, p: Principal, _body: None) -> tuple[int, BaseModel]:
    key = await _scoped_key(request, p)
    return 200, (await _key_out(_state(request), [key]))[0]


async def rotate_key(request: web.Request, p: Principal, body: m.KeyRotate) -> tuple[int, BaseModel]:
    state = _state(request)
    key = await _scoped_key(request, p)
    record, secret = await state.identity.admin.rotate_key(key.id, body.grace_seconds)
    out = (await _key_out(state, [record]))[0]
    return 200, m.KeyCreated(**out.model_dump(), key=secret)


async def update_key(request: web.Request, p: Principal, body: m.KeyUpdate) -> tuple[int, BaseModel]:
    state = _state(request)
    key = await _scoped_key(request, p)
    if p.role == "team-admin" and key.role not in (None, "team-admin"):  # as for creation
        raise Forbidden(f"a team-admin key may not change '{key.role}' keys", code="insufficient_role")
    record = await state.identity.admin.update_key(key.id, body.changes())
    return 200, (await _key_out(state, [record]))[0]


async def revoke_key(request: web.Request, p: Principal, _body: None) -> tuple[int, BaseModel]:
    state = _state(request)
    key = await _scoped_key(request, p)
    record = await state.identity.admin.revoke_key(key.id)
    return 200, (await _key_out(state, [record]))[0]


# --- misc --------------------------------------------------------------------------------------------
async def whoami(request: web.Request, p: Principal, _body: None) -> tuple[int, BaseModel]:
    return 200, m.WhoAmI(key_id=p.key_id, name=p.name, role=p.role, team=p.team, team_id=p.team_id)


class ConfigView(BaseModel):
    config: dict[str, Any]
    version: int = 0  # the runtime config version in force (`bastion.liveconfig`)
    last_error: str | None = None  # the last stored version this worker could not apply


async def config_view(request: web.Request, p: Principal, _body: None) -> tuple[int, BaseModel]:
    """The running config (runtime changes included), secrets masked."""
    state = _state(request)
    live = state.live
    if live is None:
        return 200, ConfigView(config=public_config(state.config))
    view = ConfigView(config=public_config(live.current), version=live.version, last_error=live.last_error)
    return 200, view


ROUTES: tuple[Route, ...] = (
    Route("POST", "/admin/teams", create_team, "teams:write", "Create a team", m.TeamOut, m.TeamCreate, 201),
    Route("GET", "/admin/teams", list_teams, "teams:read", "List teams", m.TeamList),
    Route("GET", "/admin/teams/{id}", get_team, "teams:read", "Get a team (by id or name)", m.TeamOut),
    Route("PATCH", "/admin/teams/{id}", update_team, "teams:write", "Update a team", m.TeamOut, m.TeamUpdate),
    Route("DELETE", "/admin/teams/{id}", delete_team, "teams:write", "Delete a team without keys", m.Deleted),
    Route(
        "POST",
        "/admin/keys",
        create_key,
        "keys:write",
        "Create a virtual key",
        m.KeyCreated,
        m.KeyCreate,
        201,
    ),
    Route("GET", "/admin/keys", list_keys, "keys:read", "List keys (?team=ID|NAME)", m.KeyList),
    Route("GET", "/admin/keys/{id}", get_key, "keys:read", "Get a key's metadata", m.KeyOut),
    Route(
        "POST", "/admin/keys/{id}/rotate", rotate_key, "keys:write", "Rotate a key", m.KeyCreated, m.KeyRotate
    ),
    Route(
        "PATCH",
        "/admin/keys/{id}",
        update_key,
        "keys:write",
        "Update a key (name, user, models, regions, expires_at, limits, budget)",
        m.KeyOut,
        m.KeyUpdate,
    ),
    Route("DELETE", "/admin/keys/{id}", revoke_key, "keys:write", "Revoke a key", m.KeyOut),
    Route("GET", "/admin/whoami", whoami, "whoami", "The calling key", m.WhoAmI),
    Route(
        "GET", "/admin/config", config_view, "config:read", "The running config (secrets masked)", ConfigView
    ),
    *(Route(*spec) for spec in AUDIT_ROUTES),
    *(Route(*spec) for spec in ROUTING_ROUTES),
    *(Route(*spec) for spec in POLICY_ROUTES),
    *(Route(*spec) for spec in COST_ROUTES),
    *(Route(*spec) for spec in COMPLIANCE_ROUTES),
    *(Route(*spec) for spec in SHADOW_ROUTES),
    *(Route(*spec) for spec in LIVE_ROUTES),
)


async def openapi_json(request: web.Request) -> web.Response:
    from bastion.admin.openapi import document

    return web.Response(body=orjson.dumps(document(ROUTES)), content_type="application/json")


def add_admin_routes(app: web.Application) -> None:
    app.router.add_get("/admin/openapi.json", openapi_json)
    for route in ROUTES:
        app.router.add_route(route.method, route.path, endpoint(route))
