"""Watch a streamed answer as the client receives it: a keyed hash (HMAC) of every event's payload, and the
payloads themselves when the team keeps content. Wrapped around `ctx.events` by the audit stage (the last
stage, so it sees exactly what the client gets); done before `seal` runs, as the terminal event is held."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import AsyncIterator

from bastion.context import RequestContext
from bastion.sse import SseEvent

STREAM_HMAC = "audit_stream_hmac"
STREAM_BODY = "audit_stream_body"


async def watched(
    ctx: RequestContext, events: AsyncIterator[SseEvent], key: bytes, keep: bool
) -> AsyncIterator[SseEvent]:
    mac = hmac.new(key, digestmod=hashlib.sha256)
    kept: list[str] | None = [] if keep else None
    try:
        async for ev in events:
            payload = ev.payload()
            mac.update(payload)
            if kept is not None:
                kept.append(payload.decode("utf-8", "replace"))
            yield ev
    finally:
        ctx.annotations[STREAM_HMAC] = mac.hexdigest()
        if kept is not None:
            ctx.annotations[STREAM_BODY] = kept
        await events.aclose()  # type: ignore[attr-defined]
