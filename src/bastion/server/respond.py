"""Writes the pipeline's answer: a JSON body, or an SSE stream relayed event by event as it arrives."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Generator, Sequence
from typing import Any, cast

import orjson
from aiohttp import web

from bastion.config.schema import ServerSettings
from bastion.context import RequestContext
from bastion.errors import GatewayError
from bastion.pipeline.relay import RelayEvents
from bastion.sse import SseEvent

_TERMINAL = frozenset(
    {"message_stop", "response.completed", "response.incomplete", "response.failed", "error"}
)


def _headers(ctx: RequestContext, settings: ServerSettings) -> dict[str, str]:
    headers = {"x-request-id": ctx.request_id, **ctx.response_headers}
    if settings.overhead_header:
        headers["x-bastion-overhead-ms"] = f"{ctx.overhead_ms():.3f}"
    if settings.target_header and ctx.target is not None:
        headers["x-bastion-target"] = ctx.target.label
    return headers


def is_terminal(ev: SseEvent) -> bool:
    """The event that tells a client its answer is complete (or failed): held back until `seal` ran."""
    return ev.raw == b"[DONE]" or ev.event in _TERMINAL


def _no_seal(ctx: RequestContext) -> None:
    return None


def _never_cut() -> GatewayError | None:
    return None


ClaimCut = Callable[[], GatewayError | None]


async def respond(
    request: web.Request,
    ctx: RequestContext,
    settings: ServerSettings,
    seal: Callable[[RequestContext], None] = _no_seal,
    *,
    claim_cut: ClaimCut = _never_cut,
) -> web.StreamResponse:
    """`seal(ctx)` runs right before the last bytes go out: before the body is handed over, or before a
    stream's terminal event(s) (`[DONE]`, `message_stop`, `response.completed`, ...) are written.

    A stream cancelled mid-way is either the client leaving (re-raised) or the graceful drain's deadline
    (`claim_cut()` returns the error): the client then gets the API's error event, and the stream ends."""
    if ctx.events is None:
        body = ctx.response_raw if ctx.response_raw is not None else orjson.dumps(ctx.response)
        seal(ctx)
        return web.Response(
            body=body, status=ctx.status, content_type="application/json", headers=_headers(ctx, settings)
        )
    events = ctx.events
    if ctx.api.array_stream(ctx.params):
        return await _respond_array(ctx, settings, seal, events)
    if type(events) is RelayEvents:  # nothing wraps the relay: take its events batch by batch
        return await _respond_batches(request, ctx, settings, seal, events, claim_cut=claim_cut)
    try:
        # the first event is awaited before any byte is sent, so an early failure is still a clean HTTP error
        t0 = time.perf_counter_ns()
        first = await anext(events, None)
        ctx.upstream_ns += time.perf_counter_ns() - t0
        resp = await _start_stream(request, ctx, settings)
        try:
            held = await _relay(resp, first, events)
            await _finish_stream(resp, ctx, seal, held)
        except ConnectionResetError:
            ctx.client_cancelled = True
        except asyncio.CancelledError:
            if (cut := claim_cut()) is None:
                raise
            await _end_cut(resp, ctx, cut)
        return resp
    finally:
        await events.aclose()  # type: ignore[attr-defined]


async def _respond_array(
    ctx: RequestContext,
    settings: ServerSettings,
    seal: Callable[[RequestContext], None],
    events: AsyncIterator[SseEvent],
) -> web.Response:
    """A stream answered as one JSON array of its objects (Gemini's `streamGenerateContent` without
    `alt=sse`): the whole stream is read, then sent."""
    try:
        t0 = time.perf_counter_ns()
        items = [ev.payload() async for ev in events if ev.data is not None]
        ctx.upstream_ns += time.perf_counter_ns() - t0
    finally:
        await events.aclose()  # type: ignore[attr-defined]
    seal(ctx)
    body = b"[" + b",".join(items) + b"]"
    return web.Response(
        body=body, status=ctx.status, content_type="application/json", headers=_headers(ctx, settings)
    )


async def _start_stream(
    request: web.Request, ctx: RequestContext, settings: ServerSettings
) -> web.StreamResponse:
    headers = _headers(ctx, settings)
    headers["Content-Type"] = "text/event-stream; charset=utf-8"
    headers["Cache-Control"] = "no-cache"
    resp = web.StreamResponse(status=200, headers=headers)
    await resp.prepare(request)
    ctx.first_byte_ns = time.perf_counter_ns()
    return resp


async def _finish_stream(
    resp: web.StreamResponse,
    ctx: RequestContext,
    seal: Callable[[RequestContext], None],
    held: Sequence[SseEvent | bytes],
) -> None:
    """Seal, then write the held terminal event(s) and end the stream."""
    seal(ctx)
    # the held events and the end of the chunked body in one write
    await resp.write_eof(b"".join([ev if isinstance(ev, bytes) else ev.encode() for ev in held]))


async def _respond_batches(
    request: web.Request,
    ctx: RequestContext,
    settings: ServerSettings,
    seal: Callable[[RequestContext], None],
    events: RelayEvents,
    *,
    claim_cut: ClaimCut,
) -> web.StreamResponse:
    """`respond` for a stream straight from the relay: each batch of events that arrived together is
    written with one write as soon as it is there (runs the relay passed on as bytes as they are); the
    terminal event and what follows it are held until `seal` ran."""
    try:
        t0 = time.perf_counter_ns()
        batch = await events.next_batch()  # before any byte is sent: an early failure is a clean error
        ctx.upstream_ns += time.perf_counter_ns() - t0
        resp = await _start_stream(request, ctx, settings)
        held: list[SseEvent | bytes] = []
        try:
            while batch is not None:
                if held:
                    held.extend(batch)
                else:
                    out: list[bytes] = []
                    for i, ev in enumerate(batch):
                        if isinstance(ev, bytes):  # complete events, passed on as received
                            out.append(ev)
                            continue
                        raw = ev.raw
                        if raw == b"[DONE]" or ev.event in _TERMINAL:
                            held.extend(batch[i:])
                            break
                        # the common event, relayed as received: its bytes without two method calls
                        out.append(b"data: " + raw + b"\n\n" if ev.event is None and raw else ev.encode())
                    if out:
                        await resp.write(b"".join(out) if len(out) > 1 else out[0])
                batch = await events.next_batch()
            await _finish_stream(resp, ctx, seal, held)
        except ConnectionResetError:
            ctx.client_cancelled = True
        except asyncio.CancelledError:
            if (cut := claim_cut()) is None:
                raise
            await _end_cut(resp, ctx, cut)
        return resp
    finally:
        await events.aclose()


async def _end_cut(resp: web.StreamResponse, ctx: RequestContext, err: GatewayError) -> None:
    """The drain's deadline cut this stream: the client gets an error event, the record says why."""
    ctx.error = err
    try:
        await resp.write_eof(ctx.api.error_event(err).encode())
    except ConnectionResetError:
        ctx.client_cancelled = True


async def _relay(
    resp: web.StreamResponse, first: SseEvent | None, events: AsyncIterator[SseEvent]
) -> list[SseEvent]:
    """Writes the events as they come, except the terminal one and what follows it: those are returned
    (held until `seal` ran).

    Events the producer hands over without waiting (e.g. the twenty events of one upstream network read)
    are written together, one write (one syscall) instead of one each; whatever is pending is written
    before the producer waits for the network again, so no event is held back waiting for another."""
    pending: list[bytes] = []
    held: list[SseEvent] = []
    ev = first
    while True:
        if ev is not None:
            if held or is_terminal(ev):
                held.append(ev)
            else:
                pending.append(ev.encode())
        step = events.__anext__()
        try:
            # run the producer until it has an event or has to wait (an async generator's step: a coroutine)
            fut = cast("Coroutine[Any, Any, SseEvent]", step).send(None)
        except StopIteration as ready:
            ev = ready.value
            continue
        except StopAsyncIteration:
            break
        if pending:  # it has to wait: send what we have first
            data = b"".join(pending) if len(pending) > 1 else pending[0]
            pending.clear()
            try:
                await resp.write(data)
            except BaseException:
                _close(step)
                raise
        try:
            ev = await _Resume(step, fut)
        except StopAsyncIteration:
            break
    if pending:
        await resp.write(b"".join(pending))
    return held


class _Resume:
    """Finishes awaiting `step` (an `__anext__()` awaitable already run to its first suspension, where
    it yielded `fut`) exactly as `await step` would have from there."""

    __slots__ = ("_fut", "_step")

    def __init__(self, step: Any, fut: Any) -> None:
        self._step = step
        self._fut = fut

    def __await__(self) -> Generator[Any, Any, Any]:
        step, fut = self._step, self._fut
        while True:
            try:
                sent = yield fut
            except GeneratorExit:
                _close(step)
                raise
            except BaseException as exc:  # e.g. cancellation: delivered where the producer waits
                try:
                    fut = step.throw(exc)
                except StopIteration as ready:
                    return ready.value
            else:
                try:
                    fut = step.send(sent)
                except StopIteration as ready:
                    return ready.value


def _close(step: Any) -> None:
    """The producer is suspended inside `step` and will not be resumed (the write failed, or the task
    is being torn down): close it there, as `aclose()` would have at a `yield`."""
    try:
        step.throw(GeneratorExit)
    except BaseException:  # GeneratorExit (closed) or its own failure; the caller raises the original
        return
