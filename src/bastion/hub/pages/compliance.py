"""Compliance (`/hub/compliance`): the framework-mapped report (EU AI Act, ISO/IEC 42001, GDPR) for a
period, section by section with its evidence and gaps, and downloads as PDF, Markdown, HTML or JSON. Every
view and download runs `GET /admin/compliance/report`, so each is recorded in the audit trail with the
signed-in user (docs/compliance.md)."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from bastion.compliance.generate import FORMATS
from bastion.compliance.report import FRAMEWORKS
from bastion.hub.actions import call_admin
from bastion.hub.page import HubRequest, Page, get

_PARAMS = ("framework", "from", "to", "team")


async def _report(hub: HubRequest) -> Any:
    return await call_admin(hub.request, hub.principal, "GET", "/admin/compliance/report")


async def show(hub: HubRequest) -> dict[str, Any]:
    if "format" in hub.query and hub.query["format"] != "json":
        raise web.HTTPSeeOther(f"/hub/compliance/report?{hub.request.query_string}")
    report = orjson.loads((await _report(hub)).body)
    chosen = {k: hub.query.get(k, "") for k in _PARAMS}
    query = "&".join(f"{k}={v}" for k, v in chosen.items() if v)
    return {
        "report": report,
        "frameworks": FRAMEWORKS,
        "chosen": chosen,
        "query": query,
        "formats": [f for f in FORMATS if f not in ("markdown", "json")] + ["json"],
    }


async def download(hub: HubRequest) -> web.StreamResponse:
    out = await _report(hub)
    ext = FORMATS[hub.query.get("format", "json")][2]  # both checked by the admin route
    name = f"bastion-compliance-{hub.query.get('framework', 'all')}.{ext}"
    return web.Response(
        body=out.body,
        content_type=out.content_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


PAGE = Page(
    "compliance",
    "Compliance",
    "/hub/compliance",
    "compliance:read",
    routes=(
        get("/hub/compliance", show),
        get("/hub/compliance/report", download),
    ),
)
