"""`GET /metrics`: the Prometheus text format, or OpenMetrics when the scraper's `Accept` asks for it.

Under `--workers N` (PROMETHEUS_MULTIPROC_DIR set by `bastion serve`) every scrape merges all workers'
files, so whichever worker answers reports the whole gateway. On the main listener it needs
`Authorization: Bearer <admin_key or metrics_token>`; on its own listener (`metrics: {host, port}`) only
when `metrics_token` is set.
"""

from __future__ import annotations

import asyncio
import hmac
import os
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CollectorRegistry
from prometheus_client.exposition import choose_encoder

from bastion.errors import Unauthorized, render

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


class Exposition:
    def __init__(self, registry: CollectorRegistry, tokens: list[str], before: Callable[[], None]) -> None:
        self.local = registry
        self.tokens = [t.encode() for t in tokens if t]
        self.before = before  # refreshes this worker's sampled gauges
        path = multiprocess_dir()
        if path is not None:
            from prometheus_client import multiprocess

            self.registry = CollectorRegistry(auto_describe=False)
            multiprocess.MultiProcessCollector(self.registry, path=path)
            self.offload = True  # reads every worker's file: off the event loop
        else:
            self.registry = registry
            self.offload = False

    def allowed(self, request: web.Request) -> bool:
        if not self.tokens:
            return True
        given = request.headers.get("Authorization", "")
        scheme, _, token = given.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return False
        raw = token.strip().encode()
        return any(hmac.compare_digest(raw, t) for t in self.tokens)

    def render(self, accept: str | None) -> tuple[bytes, str]:
        encoder, content_type = choose_encoder(accept or "")
        return encoder(self.registry), content_type

    async def handle(self, request: web.Request) -> web.Response:
        if not self.allowed(request):
            err = Unauthorized("metrics need 'Authorization: Bearer <admin key or metrics_token>'")
            return web.Response(
                body=render(err, "openai"), status=401, content_type="application/json",
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )
        self.before()
        accept = request.headers.get("Accept")
        if self.offload:
            body, ctype = await asyncio.to_thread(self.render, accept)
        else:
            body, ctype = self.render(accept)
        return web.Response(body=body, headers={"Content-Type": ctype})


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def start_listener(handler: Handler, host: str, port: int) -> tuple[web.AppRunner, int]:
    """The separate /metrics listener; SO_REUSEPORT so every worker binds it (any may answer)."""
    app = web.Application()
    app.router.add_get("/metrics", handler)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port, reuse_port=True)
    await site.start()
    sockets = getattr(site._server, "sockets", None) or []
    bound = sockets[0].getsockname()[1] if sockets else port
    return runner, bound
