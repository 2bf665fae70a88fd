"""Audit integrity (`/hub/integrity`): the chain's size, checkpoints and retention point, the last full
verification (who ran it, when, the verdict — kept in the database so every worker shows it), a button to
verify now (what `bastion audit verify` does), and the trail's export as JSONL or CSV."""

from __future__ import annotations

import time
from typing import Any

import orjson
import sqlalchemy as sa
from aiohttp import web

from bastion.audit.query import Filters, csv_header, csv_line, jsonl_line, parse_time, scan
from bastion.audit.schema import records
from bastion.audit.store import PRUNED_SEQ
from bastion.audit.verify import verify
from bastion.errors import Unavailable
from bastion.hub.page import HubRequest, Page, get, post
from bastion.hub.web import secure

LAST_VERIFY = "hub_last_verify"  # audit_meta row


def _audit(hub: HubRequest) -> Any:
    if hub.state.audit is None:
        raise Unavailable("the audit trail is disabled (audit.enabled: false)")
    return hub.state.audit


async def _status(hub: HubRequest, **extra: Any) -> dict[str, Any]:
    audit = _audit(hub)
    store = audit.store
    async with store.storage.read() as conn:
        meta = await store.meta(conn)
        head = await conn.scalar(sa.select(sa.func.max(records.c.seq)))
        count = await conn.scalar(sa.select(sa.func.count()).select_from(records))
    cps = await store.checkpoints()
    last = orjson.loads(meta[LAST_VERIFY]) if LAST_VERIFY in meta else None
    return {
        "head": int(head or 0), "count": int(count or 0), "checkpoints": len(cps),
        "last_checkpoint": cps[-1] if cps else None, "pruned": int(meta.get(PRUNED_SEQ, 0)),
        "last": last, "can_verify": hub.can("audit:read"), **extra,
    }  # fmt: skip


async def show(hub: HubRequest) -> dict[str, Any]:
    return await _status(hub)


async def verify_now(hub: HubRequest) -> dict[str, Any]:
    audit = _audit(hub)
    started = time.monotonic()
    verdict = await verify(audit.store, audit.material.trusted)
    result = {**verdict.as_dict(), "summary": verdict.summary(), "at": time.time(),
              "by": hub.principal.name, "seconds": round(time.monotonic() - started, 3)}  # fmt: skip
    async with audit.store.storage.write() as conn:
        await audit.store.set_meta(conn, {LAST_VERIFY: orjson.dumps(result).decode()})
    audit.change(hub.principal, "POST /hub/integrity/verify", target=None, status=200 if verdict.ok else 409)
    return await _status(hub, fresh=True)


async def export(hub: HubRequest) -> web.StreamResponse:
    audit = _audit(hub)
    fmt = hub.query.get("format", "jsonl")
    filters = Filters(
        since=parse_time(hub.query.get("from"), "from"), until=parse_time(hub.query.get("to"), "to")
    )
    ext = "csv" if fmt == "csv" else "jsonl"
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/csv" if fmt == "csv" else "application/x-ndjson",
            "Content-Disposition": f'attachment; filename="bastion-audit.{ext}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        }
    )
    secure(response)
    await response.prepare(hub.request)
    if fmt == "csv":
        await response.write(csv_header().encode())
    async for rec in scan(audit.store, filters):
        await response.write((csv_line(rec) if fmt == "csv" else jsonl_line(rec)).encode())
    await response.write_eof()
    audit.change(hub.principal, "GET /hub/integrity/export", target=fmt, status=200)
    return response


PAGE = Page(
    "integrity",
    "Audit integrity",
    "/hub/integrity",
    "audit:read",
    routes=(
        get("/hub/integrity", show),
        post("/hub/integrity/verify", verify_now),
        get("/hub/integrity/export", export),
    ),
)
