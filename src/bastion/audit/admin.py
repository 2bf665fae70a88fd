"""The audit endpoints of the admin API (read-only for everyone: no API modifies records), and the hook
that records every admin mutation (`record_change`).

    GET /admin/audit                 filters + cursor pagination -> {"data": [...], "next": cursor|null}
    GET /admin/audit/report          compliance report (?from&to&team&format=json|markdown|html)
    GET /admin/audit/{request_id}    the record(s) of one request
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiohttp import web
from pydantic import BaseModel

from bastion.audit.query import Filters, by_request_id, parse_time, search
from bastion.audit.report import build_report, markdown, to_html
from bastion.audit.service import Audit
from bastion.context import Principal
from bastion.errors import NotFound, Unavailable, Unprocessable
from bastion.services import SERVICES

PERMISSION = "audit:read"


class AuditPage(BaseModel):
    data: list[dict[str, Any]]
    next: str | None = None


class AuditRecords(BaseModel):
    data: list[dict[str, Any]]


class AuditReport(BaseModel):
    report: dict[str, Any]
    markdown: str | None = None
    html: str | None = None


def _audit(request: web.Request) -> Audit:
    audit = request.app[SERVICES].audit
    if audit is None:
        raise Unavailable("the audit trail is disabled (audit.enabled: false)")
    return audit


async def list_audit(request: web.Request, p: Principal, _body: None) -> tuple[int, BaseModel]:
    q = request.query
    limit = q.get("limit", "100")
    if not limit.isdigit() or int(limit) < 1:
        raise Unprocessable("limit: must be a positive integer (at most 1000)", param="limit")
    unknown = set(q) - {*Filters().names(), "from", "to", "limit", "cursor"} - {"since", "until"}
    if unknown:
        raise Unprocessable(f"unknown filter(s): {', '.join(sorted(unknown))}", param=sorted(unknown)[0])
    data, cursor = await search(_audit(request).store, Filters.from_query(q), int(limit), q.get("cursor"))
    return 200, AuditPage(data=data, next=cursor)


async def get_audit(request: web.Request, p: Principal, _body: None) -> tuple[int, BaseModel]:
    rid = request.match_info["request_id"]
    data = await by_request_id(_audit(request).store, rid)
    if not data:
        raise NotFound(f"no audit record for request '{rid}'", code="audit_record_not_found")
    return 200, AuditRecords(data=data)


async def audit_report(request: web.Request, p: Principal, _body: None) -> tuple[int, BaseModel]:
    audit = _audit(request)
    q = request.query
    fmt = q.get("format", "json")
    if fmt not in ("json", "markdown", "html"):
        raise Unprocessable("format: one of json, markdown, html", param="format")
    report = await build_report(
        audit.store, audit.material.trusted, parse_time(q.get("from"), "from"), parse_time(q.get("to"), "to"),
        q.get("team"),
    )  # fmt: skip
    out = AuditReport(report=report)
    if fmt == "markdown":
        out.markdown = markdown(report)
    elif fmt == "html":
        out.html = to_html(report)
    return 200, out


# (method, path, handler, permission, summary, response model), registered by `bastion.admin.routes`
AUDIT_ROUTES: tuple[tuple[Any, ...], ...] = (
    ("GET", "/admin/audit", list_audit, PERMISSION,
     "Search audit records (from, to, team, key, model, provider, region, decision, status, pii, kind)",
     AuditPage),
    ("GET", "/admin/audit/report", audit_report, PERMISSION, "Compliance report (from, to, team, format)",
     AuditReport),
    ("GET", "/admin/audit/{request_id}", get_audit, PERMISSION, "The audit record(s) of one request",
     AuditRecords),
)  # fmt: skip


# --- recording admin changes --------------------------------------------------------------------------
async def state_before(request: web.Request, principal: Principal, route: Any, routes: Sequence[Any]) -> Any:
    """The object a mutation is about to change, read through the matching GET route (None if none)."""
    if "{id}" not in route.path:
        return None
    path = route.path.removesuffix("/rotate")
    getter = next((r for r in routes if r.method == "GET" and r.path == path), None)
    if getter is None:
        return None
    try:
        _, out = await getter.handler(request, principal, None)
    except Exception:
        return None
    return _public(out)


def _public(out: Any) -> Any:
    if isinstance(out, BaseModel):
        data = out.model_dump(mode="json")
        data.pop("key", None)  # a new key's secret is never hashed into the trail
        return data
    return out


def record_change(
    request: web.Request,
    principal: Principal | None,
    route: Any,
    *,
    status: int,
    before: Any,
    after: Any,
    request_id: str,
) -> None:
    """One audit record per admin mutation (also refused ones): who, what, hashes of before and after."""
    audit = request.app[SERVICES].audit
    if audit is None or route.method == "GET":
        return
    audit.change(
        principal,
        f"{route.method} {route.path}",
        target=request.match_info.get("id"),
        status=status,
        before=before,
        after=_public(after),
        request_id=request_id,
    )
