"""Writes the pipeline's answer: a JSON body, or an SSE stream relayed event by event as it arrives."""

from __future__ import annotations

import time

import orjson
from aiohttp import web

from bastion.config.schema import ServerSettings
from bastion.context import RequestContext


def _headers(ctx: RequestContext, settings: ServerSettings) -> dict[str, str]:
    headers = {"x-request-id": ctx.request_id}
    if settings.overhead_header:
        headers["x-bastion-overhead-ms"] = f"{ctx.overhead_ms():.3f}"
    if settings.target_header and ctx.target is not None:
        headers["x-bastion-target"] = ctx.target.label
    return headers


async def respond(request: web.Request, ctx: RequestContext, settings: ServerSettings) -> web.StreamResponse:
    if ctx.events is None:
        body = ctx.response_raw if ctx.response_raw is not None else orjson.dumps(ctx.response)
        return web.Response(
            body=body, status=ctx.status, content_type="application/json", headers=_headers(ctx, settings)
        )
    events = ctx.events
    try:
        # the first event is awaited before any byte is sent, so an early failure is still a clean HTTP error
        t0 = time.perf_counter_ns()
        first = await anext(events, None)
        ctx.upstream_ns += time.perf_counter_ns() - t0
        headers = _headers(ctx, settings)
        headers["Content-Type"] = "text/event-stream; charset=utf-8"
        headers["Cache-Control"] = "no-cache"
        resp = web.StreamResponse(status=200, headers=headers)
        await resp.prepare(request)
        ctx.first_byte_ns = time.perf_counter_ns()
        try:
            if first is not None:
                await resp.write(first.encode())
            async for ev in events:
                await resp.write(ev.encode())
            await resp.write_eof()
        except ConnectionResetError:
            ctx.annotations["client_cancelled"] = True
        return resp
    finally:
        await events.aclose()  # type: ignore[attr-defined]
