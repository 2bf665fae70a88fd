"""The response cache around the call stage (`bastion.cache`): a hit answers from the cache and never
reaches a provider (a stream is replayed as a stream); a miss calls the provider and, once the answer is
complete and successful, stores it as the provider gave it (before the restore stage puts personal data
back, so a cached answer only ever holds pseudonyms). `x-bastion-cache: hit|miss|bypass` tells the client;
the audit record gets `cache_hit` and the cost saved."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson

from bastion.cache.keys import cache_key, opted_out
from bastion.cache.store import Store
from bastion.config.cache import CacheConfig
from bastion.context import RequestContext
from bastion.pipeline.base import Stage
from bastion.pipeline.pii_variants import sent_default
from bastion.sse import SseEvent

HEADER = "x-bastion-cache"
_KEY = "cache_key"  # annotation: this request's key, for `finish` (not part of the audit record)
_CAPTURE = "cache_capture"


def _event(item: list[Any]) -> SseEvent:
    name, payload = item
    raw = payload.encode()
    data = None if raw == b"[DONE]" else orjson.loads(raw)
    return SseEvent(name, data, raw)


async def _replay(ctx: RequestContext, events: list[list[Any]]) -> AsyncIterator[SseEvent]:
    for item in events:
        yield _event(item)
    ctx.stream_completed = True


class _Capture:
    __slots__ = ("events", "size", "too_big")

    def __init__(self) -> None:
        self.events: list[list[Any]] = []
        self.size = 0
        self.too_big = False


async def _captured(
    events: AsyncIterator[SseEvent], capture: _Capture, limit: int
) -> AsyncIterator[SseEvent]:
    try:
        async for ev in events:
            if not capture.too_big:
                payload = ev.payload().decode()
                capture.size += len(payload)
                capture.too_big = capture.size > limit
                capture.events.append([ev.event, payload])
            yield ev
    finally:
        await events.aclose()  # type: ignore[attr-defined]


class CacheStage:
    """Wraps the call stage; keeps its name so the pipeline reads the same."""

    def __init__(self, call: Stage, store: Store, config: CacheConfig) -> None:
        self.call = call
        self.name = call.name
        self.store = store
        self.config = config
        self.hits = 0
        self.misses = 0

    async def run(self, ctx: RequestContext) -> None:
        if opted_out(ctx):
            ctx.response_headers[HEADER] = "bypass"
            await self.call.run(ctx)
            return
        key = cache_key(ctx, self.config.share_across_teams)
        found = await self.store.get(key)
        if found is not None:
            self._hit(ctx, orjson.loads(found))
            return
        self.misses += 1
        ctx.response_headers[HEADER] = "miss"
        await self.call.run(ctx)
        ctx.annotations[_KEY] = key
        if ctx.events is not None:
            capture = _Capture()
            ctx.annotations[_CAPTURE] = capture
            ctx.events = _captured(ctx.events, capture, self.config.max_entry_bytes)
        else:
            body = ctx.response_raw if ctx.response_raw is not None else orjson.dumps(ctx.response)
            ctx.annotations[_CAPTURE] = body if len(body) <= self.config.max_entry_bytes else None

    def _hit(self, ctx: RequestContext, entry: dict[str, Any]) -> None:
        self.hits += 1
        ctx.response_headers[HEADER] = "hit"
        ctx.annotations["cache_hit"] = True
        ctx.annotations["cache_saved_usd"] = entry.get("usd")
        ctx.status = int(entry.get("status", 200))
        if entry["kind"] == "stream":
            ctx.events = _replay(ctx, entry["events"])
        else:
            raw = entry["body"].encode()
            ctx.response, ctx.response_raw = orjson.loads(raw), raw

    def _storable(self, ctx: RequestContext) -> bool:
        target = ctx.target
        if target is None or ctx.error is not None or ctx.client_cancelled:
            return False
        if ctx.status != 200 or (ctx.stream and not ctx.stream_completed):
            return False
        # a provider sent other PII than the key's body (e.g. trusted with the originals) may answer with
        # values in clear, or with pseudonyms only its own vault restores
        return sent_default(ctx, target.provider)

    async def finish(self, ctx: RequestContext) -> None:
        key = ctx.annotations.pop(_KEY, None)
        captured = ctx.annotations.pop(_CAPTURE, None)
        if key is None or captured is None or not self._storable(ctx):
            return
        cost = ctx.annotations.get("cost") or {}
        entry: dict[str, Any] = {"status": ctx.status, "usd": cost.get("usd")}
        if isinstance(captured, _Capture):
            if captured.too_big:
                return
            entry.update(kind="stream", events=captured.events)
        else:
            entry.update(kind="json", body=bytes(captured).decode())
        await self.store.put(key, orjson.dumps(entry), self.config.ttl)


def with_cache(call: Stage, config: Any) -> Stage:
    """The call stage itself when `cache.enabled` is false (no cost at all), else wrapped."""
    if not config.cache.enabled:
        return call
    from bastion.cache import build_store

    return CacheStage(call, build_store(config), config.cache)
