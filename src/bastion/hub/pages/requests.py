"""Requests (`/hub/requests`): the audit trail newest first, filtered and paged; and the story of one
request (`/hub/requests/{request_id}`) stage by stage, with its place in the hash chain.

A team-admin sees only its own team's requests. Stored content (teams that keep it) is shown only to
roles with `hub:content` (admin, auditor) and only while retention and crypto-shredding leave it."""

from __future__ import annotations

import time
from typing import Any

import orjson
import sqlalchemy as sa

from bastion.audit.query import Filters, by_request_id
from bastion.audit.schema import records
from bastion.errors import NotFound, Unavailable, Unprocessable
from bastion.hub import chain
from bastion.hub.page import HubRequest, Page, get
from bastion.hub.schema import marks

PAGE_SIZE = 50
WINDOWS = {"1h": 3600, "24h": 86400, "7d": 7 * 86400, "30d": 30 * 86400, "all": None}
DECISIONS = ("allowed", "redacted", "blocked", "denied", "error", "cancelled")
FIELDS = ("team", "key", "model", "provider", "status", "decision", "rule", "pii")


def _audit(hub: HubRequest) -> Any:
    audit = hub.state.audit
    if audit is None:
        raise Unavailable("the audit trail is disabled (audit.enabled: false)")
    return audit


def _where(hub: HubRequest, q: dict[str, str]) -> list[Any]:
    status = q.get("status") or None
    if status is not None and not status.isdigit():
        raise Unprocessable("status: an HTTP status code", param="status")
    window = WINDOWS.get(q.get("window", "all"))
    filters = Filters(
        since=time.time() - window if window else None,
        team=hub.team_scope or q.get("team") or None,
        key=q.get("key") or None,
        model=q.get("model") or None,
        provider=q.get("provider") or None,
        decision=q.get("decision") or None,
        status=int(status) if status else None,
        kind="request",
    )
    where = filters.where()
    wanted = []  # what the record holds inside its JSON: read from the index `hub_marks` (hub_0002)
    if rule := q.get("rule"):
        wanted.append(f"rule:{rule}")
    if q.get("flagged"):
        wanted.append("flagged")
    if pii := q.get("pii"):
        wanted.append(f"pii:{pii.upper()}")
    for mark in wanted:
        where.append(records.c.seq.in_(sa.select(marks.c.seq).where(marks.c.mark == mark)))
    return where


def _row(rec: dict[str, Any]) -> dict[str, Any]:
    policy = rec.get("policy") or {}
    rules = [m.get("id") for m in policy.get("matched") or [] if isinstance(m, dict)]
    return {**rec, "rules": rules, "pii_types": sorted((rec.get("pii") or {}).keys()),
            "usd": (rec.get("cost") or {}).get("usd") if isinstance(rec.get("cost"), dict) else None,
            "flagged": bool(policy.get("flagged"))}  # fmt: skip


async def listing(hub: HubRequest) -> dict[str, Any]:
    audit = _audit(hub)
    q = {k: str(v).strip() for k, v in hub.query.items()}
    where = _where(hub, q)
    cursor = q.get("cursor", "")
    query = sa.select(records.c.seq, records.c.payload).where(*where)
    if cursor.isdigit():
        query = query.where(records.c.seq < int(cursor))
    query = query.order_by(records.c.seq.desc()).limit(PAGE_SIZE + 1)
    async with audit.store.storage.read() as conn:
        rows = list(await conn.execute(query))
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    keep = {k: v for k, v in q.items() if k != "cursor" and v}
    return {
        "rows": [_row(orjson.loads(r.payload)) for r in rows],
        "next": str(rows[-1].seq) if more else None,
        "first_page": not cursor,
        "q": q,
        "keep": keep,
        "windows": list(WINDOWS),
        "decisions": DECISIONS,
        "team_locked": hub.team_scope,
    }


def _stages(rec: dict[str, Any]) -> list[dict[str, Any]]:
    """The request's story, one entry per pipeline stage that left a trace in the record."""
    out: list[dict[str, Any]] = [
        {"name": "Authenticated", "items": [("key", rec.get("key_id")), ("team", rec.get("team")),
                                            ("user", rec.get("user")), ("client", rec.get("client_ip")),
                                            ("API", rec.get("api")), ("model asked", rec.get("model")),
                                            ("stream", rec.get("stream"))]},
    ]  # fmt: skip
    policy = rec.get("policy") or {}
    out.append({"name": "Policy", "policy": policy, "bad": policy.get("action") == "deny"})
    out.append(
        {"name": "PII protection", "pii": rec.get("pii") or {}, "pii_response": rec.get("pii_response")}
    )
    out.append({"name": "Route", "route": rec.get("route"), "attempts": rec.get("attempts") or [],
                "items": [("provider", rec.get("provider")), ("provider model", rec.get("provider_model")),
                          ("region", rec.get("region")), ("cache hit", rec.get("cache_hit"))]})  # fmt: skip
    cost = rec.get("cost") if isinstance(rec.get("cost"), dict) else None
    out.append({"name": "Answer", "bad": bool(rec.get("error")),
                "items": [("status", rec.get("status")), ("outcome", rec.get("outcome")),
                          ("decision", rec.get("decision")), ("error", rec.get("error")),
                          ("error code", rec.get("error_code")), ("checks", rec.get("checks"))]})  # fmt: skip
    out.append({"name": "Usage and cost", "cost": cost,
                "items": [("tokens in", rec.get("tokens_in")), ("tokens out", rec.get("tokens_out")),
                          ("cached tokens", rec.get("tokens_cached")),
                          ("limits", rec.get("limits"))]})  # fmt: skip
    return out


async def detail(hub: HubRequest) -> dict[str, Any]:
    audit = _audit(hub)
    rid = hub.request.match_info["request_id"]
    found = [r for r in await by_request_id(audit.store, rid) if r.get("kind") == "request"]
    if hub.team_scope is not None:
        found = [r for r in found if r.get("team") == hub.team_scope]
    if not found:
        raise NotFound(f"no request '{rid}' in the audit trail")
    rec = found[-1]
    content = None
    if hub.can("hub:content") and isinstance(rec.get("content"), dict):
        stored = rec["content"]
        if stored.get("mode") == "encrypted":
            plain = audit.keys.decrypt(stored)
            content = plain if plain is not None else {"shredded": True}
        else:
            content = stored
    return {
        "rec": rec,
        "row": _row(rec),
        "stages": _stages(rec),
        "latency": {
            "total": rec.get("latency_ms"),
            "upstream": rec.get("upstream_ms"),
            "gateway": rec.get("overhead_ms"),
        },
        "chain": await chain.position(audit, int(rec["seq"])),
        "content": orjson.dumps(content, option=orjson.OPT_INDENT_2).decode() if content else None,
        "content_hidden": isinstance(rec.get("content"), dict) and not hub.can("hub:content"),
        "others": len(found) - 1,
    }


PAGE = Page(
    "requests",
    "Requests",
    "/hub/requests",
    "hub:requests",
    routes=(
        get("/hub/requests", listing),
        get("/hub/requests/{request_id}", detail, template="request.html"),
    ),
)
