"""Running an admin API route on behalf of a Hub user: the same authorization (the route's permission
and the handler's own team checks), the same validation, the same service calls and the same audit record
(`record_change`, with the actor and hashes of before and after) as `bastion.admin.routes.endpoint`."""

from __future__ import annotations

import os
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ValidationError

from bastion.admin.routes import ROUTES, Route, _authorize, _field_errors
from bastion.audit.admin import record_change, state_before
from bastion.context import Principal
from bastion.errors import GatewayError


def route(method: str, path: str) -> Route:
    return next(r for r in ROUTES if r.method == method and r.path == path)


async def call_admin(
    request: web.Request, principal: Principal, method: str, path: str, body: dict[str, Any] | None = None
) -> BaseModel:
    """`request.match_info` supplies the route's path parameters (the Hub's routes use the same names)."""
    r = route(method, path)
    rid = "hub-" + os.urandom(10).hex()
    try:
        _authorize(principal, r.permission)
        parsed = None
        if r.body is not None:
            try:
                parsed = r.body.model_validate(body or {})
            except ValidationError as exc:
                raise _field_errors(exc) from None
        before = await state_before(request, principal, r, ROUTES) if r.method != "GET" else None
        status, out = await r.handler(request, principal, parsed)
    except GatewayError as err:
        record_change(request, principal, r, status=err.status_code, before=None, after=None, request_id=rid)
        raise
    record_change(request, principal, r, status=status, before=before, after=out, request_id=rid)
    return out
