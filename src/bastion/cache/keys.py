"""Cache keys: SHA-256 of the scope, the inbound API and the request body with sorted keys. The body is
the one after PII handling, so pseudonymised prompts that differ only in the personal data share a key
(the cached answer holds pseudonyms, restored per request by the restore stage)."""

from __future__ import annotations

import hashlib

import orjson

from bastion.context import RequestContext

OPT_OUT = frozenset({"no", "no-cache", "no-store", "bypass", "off"})


def scope(ctx: RequestContext, shared: bool) -> str:
    if shared:
        return "shared"
    p = ctx.principal
    if p is None:
        return "anonymous"
    return f"team:{p.team_id}" if p.team_id else f"key:{p.key_id}"


def cache_key(ctx: RequestContext, shared: bool) -> str:
    body = orjson.dumps(ctx.body, option=orjson.OPT_SORT_KEYS)
    digest = hashlib.sha256()
    for part in (scope(ctx, shared).encode(), ctx.api.name.encode(), ctx.model.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def opted_out(ctx: RequestContext) -> bool:
    """`x-bastion-cache: no` (or `Cache-Control: no-cache` / `no-store`) skips the cache both ways."""
    value = (ctx.headers.get("x-bastion-cache") or "").strip().lower()
    if value in OPT_OUT:
        return True
    control = (ctx.headers.get("cache-control") or "").lower()
    return "no-cache" in control or "no-store" in control
