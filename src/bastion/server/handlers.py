"""HTTP handlers: read the request, run the pipeline, write the answer (full or streamed)."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable

import orjson
from aiohttp import web

from bastion import __version__
from bastion.apis import registry
from bastion.apis.base import ClientApi
from bastion.context import RequestContext
from bastion.errors import GatewayError, NotFound, PayloadTooLarge
from bastion.identity.access import model_allowed
from bastion.server.ids import RequestIds
from bastion.server.respond import respond
from bastion.server.state import STATE, GatewayState

log = logging.getLogger("bastion.server")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


_REQUEST_ID = web.RequestKey("bastion_request_id", str)
_IDS = web.AppKey("bastion_request_ids", RequestIds)


def _request_id(request: web.Request) -> str:
    """The client's x-request-id when it is sane, else a new one; the same for the whole request."""
    rid = request.get(_REQUEST_ID)
    if rid is None:
        given = request.headers.get("x-request-id")
        if given and len(given) <= 128 and given.isprintable():
            rid = given
        else:
            ids = request.app.get(_IDS)
            rid = ids() if ids is not None else os.urandom(12).hex()
        request[_REQUEST_ID] = rid
    return rid


def _stamp(request: web.Request, resp: web.StreamResponse, started_ns: int) -> web.StreamResponse:
    """Every answer carries x-request-id and x-bastion-overhead-ms. Pipeline answers set their own (their
    overhead excludes upstream time); for the rest (models, health, unknown routes) it is the time spent."""
    if resp.prepared:
        return resp
    headers = resp.headers
    if "x-request-id" not in headers:
        headers["x-request-id"] = _request_id(request)
    if "x-bastion-overhead-ms" not in headers:
        state = request.app.get(STATE)
        if state is None or state.config.server.overhead_header:
            overhead = (time.perf_counter_ns() - started_ns) / 1e6
            headers["x-bastion-overhead-ms"] = f"{overhead:.3f}"
    return resp


def error_response(
    err: GatewayError, api: ClientApi, request_id: str, ctx: RequestContext | None = None
) -> web.Response:
    headers = {"x-request-id": request_id, **err.headers}
    if ctx is not None:
        headers["x-bastion-overhead-ms"] = f"{ctx.overhead_ms():.3f}"
    return web.Response(
        body=api.error_body(err), status=err.status_code, content_type="application/json", headers=headers
    )


async def _read_body(request: web.Request, limit: int) -> bytes:
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(f"the request body is larger than the limit of {limit} bytes")
    try:
        return await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise PayloadTooLarge(f"the request body is larger than the limit of {limit} bytes") from None


async def _serve(request: web.Request, api: ClientApi) -> web.StreamResponse:
    state: GatewayState = request.app[STATE]
    rid = _request_id(request)
    params = _params(request, api)
    ctx = RequestContext(rid, api, {}, request.headers, client_ip=request.remote, params=params)
    try:
        ctx.raw_body = await _read_body(request, state.config.server.max_body_bytes)
        await state.pipeline.run(ctx)
        return await respond(
            request, ctx, state.config.server, state.pipeline.seal, claim_cut=state.inflight.claim_cut
        )
    except GatewayError as err:
        ctx.error = err
        state.pipeline.seal(ctx)
        return error_response(err, ctx.api, rid, ctx)
    except asyncio.CancelledError:
        cut = state.inflight.claim_cut()  # the drain's deadline (`bastion.server.drain`), or the client left
        if cut is None:
            ctx.client_cancelled = True
            raise
        ctx.error = cut
        state.pipeline.seal(ctx)
        return error_response(cut, ctx.api, rid, ctx)
    finally:
        ctx.ended_ns = time.perf_counter_ns()
        await state.pipeline.finish(ctx)


def _params(request: web.Request, api: ClientApi) -> dict[str, str]:
    """The route's path parameters and the query parameters `api` reads."""
    params = dict(request.match_info)
    if api.query_params:
        query = request.query
        params.update((name, query[name]) for name in api.query_params if name in query)
    return params


def _api(api: ClientApi) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        return await _serve(request, api)

    handler.__name__ = api.name.replace(".", "_")
    return handler


async def models(request: web.Request) -> web.Response:
    """`GET /v1/models`: OpenAI's shape; Anthropic's when the request carries `anthropic-version`, Gemini's
    when it carries a Gemini key (`x-goog-api-key` or `?key=`)."""
    headers = request.headers
    if "anthropic-version" in headers:
        api = registry.get("anthropic.messages")
    elif "x-goog-api-key" in headers or "key" in request.query:
        api = registry.get("gemini.generate")
    else:
        api = registry.DEFAULT
    return await _models(request, api)


def _models_of(api: ClientApi) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        return await _models(request, api)

    return handler


async def _models(request: web.Request, api: ClientApi) -> web.Response:
    """The model names the caller's key may use, in `api`'s shape."""
    state: GatewayState = request.app[STATE]
    rid = _request_id(request)
    ctx = RequestContext(rid, api, {}, request.headers, params=_params(request, api))
    try:
        await next(s for s in state.pipeline.stages if s.name == "authenticate").run(ctx)
    except GatewayError as err:
        return error_response(err, api, rid)
    names = [n for n in state.models.names if model_allowed(ctx.principal, n)]
    body = api.model_list(names, state.models.owner)
    return web.Response(
        body=orjson.dumps(body), content_type="application/json", headers={"x-request-id": rid}
    )


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok", "version": __version__})


async def readyz(request: web.Request) -> web.Response:
    state: GatewayState = request.app[STATE]
    if state.draining:  # shutting down: take this instance out of rotation at once, nothing else to ask
        return web.json_response({"status": "draining", "in_flight": len(state.inflight)}, status=503)
    storage_ok = await state.storage.ping()
    ok = state.ready and storage_ok
    body: dict[str, object] = {"status": "ready" if ok else "not ready", "config": state.ready,
                               "storage": storage_ok}  # fmt: skip
    if state.audit is not None:
        audit = body["audit"] = state.audit.health()
        if audit["full"] and audit["journal_full"] == "reject":
            ok = False
            body["status"] = "not ready"
    return web.json_response(body, status=200 if ok else 503)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Unknown routes and unexpected failures still answer in the provider's error shape."""
    started = time.perf_counter_ns()
    state = request.app.get(STATE)
    task = state.inflight.enter() if state is not None else None  # what a drain waits for
    try:
        return await _handle(request, handler, started)
    finally:
        if state is not None:
            state.inflight.leave(task)


async def _handle(request: web.Request, handler: Handler, started: int) -> web.StreamResponse:
    api = registry.for_path(request.path)
    try:
        return _stamp(request, await handler(request), started)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        err = (
            NotFound(f"no route for {request.method} {request.path}")
            if exc.status == 404
            else GatewayError(exc.reason or "request error")
        )
        err.status = exc.status  # type: ignore[misc]
        return _stamp(request, error_response(err, api, _request_id(request)), started)
    except (asyncio.CancelledError, ConnectionResetError):
        raise
    except Exception:
        rid = _request_id(request)
        log.exception("unhandled error on %s %s (request %s)", request.method, request.path, rid)
        err = GatewayError("internal gateway error; see the gateway log for this request id")
        return _stamp(request, error_response(err, api, rid), started)


def add_routes(app: web.Application) -> None:
    app[_IDS] = RequestIds()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/v1/models", models)
    for api in registry.APIS.values():
        for path in api.routes:
            app.router.add_post(path, _api(api))
        if api.models_route:
            app.router.add_get(api.models_route, _models_of(api))
