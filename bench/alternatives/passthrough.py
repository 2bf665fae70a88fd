"""Minimal pass-through proxies for choosing Bastion's HTTP server and upstream client by measurement.

Same job as the harness's `floor-aiohttp` (POST /v1/* forwarded unchanged, SSE relayed chunk by chunk),
with the server and the client swappable:

  --server aiohttp   aiohttp.web on uvloop (what Bastion uses)
  --server uvicorn   raw ASGI app (no framework) on uvicorn, httptools parser, uvloop
  --server granian   the same raw ASGI app on granian (Rust HTTP server), uvloop
  --client aiohttp   pooled aiohttp.ClientSession (what Bastion uses)
  --client httpx     pooled httpx.AsyncClient

  python passthrough.py --server uvicorn --client aiohttp --port 18060 --upstream http://127.0.0.1:18001

Runs from the venv made by bench/alternatives/setup.sh (never the project's dependencies).
"""

from __future__ import annotations

import argparse
import os

HOP = {"content-length", "transfer-encoding", "connection", "keep-alive", "content-encoding"}
UPSTREAM = os.environ.get("PT_UPSTREAM", "http://127.0.0.1:18001").rstrip("/")
CLIENT = os.environ.get("PT_CLIENT", "aiohttp")


# ------------------------------------------------------------------ upstream clients
class AiohttpClient:
    def __init__(self) -> None:
        import aiohttp

        conn = aiohttp.TCPConnector(limit=0, keepalive_timeout=60)
        self.s = aiohttp.ClientSession(connector=conn, auto_decompress=False)

    async def post(self, url, body, headers):
        """-> (status, headers list, async iterator of chunks or None, body or None)"""
        up = await self.s.post(url, data=body, headers=headers)
        hdrs = [(k, v) for k, v in up.headers.items() if k.lower() not in HOP]
        if up.headers.get("content-type", "").startswith("text/event-stream"):

            async def chunks():
                try:
                    async for c in up.content.iter_any():
                        yield c
                finally:
                    up.release()

            return up.status, hdrs, chunks(), None
        data = await up.read()
        up.release()
        return up.status, hdrs, None, data


class HttpxClient:
    def __init__(self) -> None:
        import httpx

        limits = httpx.Limits(max_connections=None, max_keepalive_connections=None, keepalive_expiry=60)
        self.c = httpx.AsyncClient(limits=limits, timeout=30)

    async def post(self, url, body, headers):
        req = self.c.build_request("POST", url, content=body, headers=headers)
        up = await self.c.send(req, stream=True)
        hdrs = [(k, v) for k, v in up.headers.items() if k.lower() not in HOP]
        if up.headers.get("content-type", "").startswith("text/event-stream"):

            async def chunks():
                try:
                    async for c in up.aiter_raw():
                        yield c
                finally:
                    await up.aclose()

            return up.status_code, hdrs, chunks(), None
        data = await up.aread()
        await up.aclose()
        return up.status_code, hdrs, None, data


_clients: dict[str, object] = {}


def client():
    c = _clients.get(CLIENT)
    if c is None:  # created lazily inside the serving loop (works for every server)
        c = _clients[CLIENT] = HttpxClient() if CLIENT == "httpx" else AiohttpClient()
    return c


# ------------------------------------------------------------------ raw ASGI app
async def asgi_app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            msg = await receive()
            if msg["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif msg["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    parts = []
    while True:
        msg = await receive()
        parts.append(msg.get("body", b""))
        if not msg.get("more_body"):
            break
    body = b"".join(parts)
    headers = {}
    for k, v in scope["headers"]:
        if k in (b"content-type", b"authorization"):
            headers[k.decode()] = v.decode()
    status, hdrs, chunks, data = await client().post(UPSTREAM + scope["path"], body, headers)
    raw = [(k.encode(), v.encode()) for k, v in hdrs]
    if chunks is None:
        raw.append((b"content-length", str(len(data)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": data})
        return
    await send({"type": "http.response.start", "status": status, "headers": raw})
    async for c in chunks:
        await send({"type": "http.response.body", "body": c, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


# ------------------------------------------------------------------ aiohttp server
def run_aiohttp(port: int) -> None:
    import uvloop
    from aiohttp import web

    async def proxy(request):
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() in ("content-type", "authorization")}
        status, hdrs, chunks, data = await client().post(UPSTREAM + request.path, body, headers)
        if chunks is None:
            return web.Response(status=status, body=data, headers=hdrs)
        resp = web.StreamResponse(status=status, headers=hdrs)
        await resp.prepare(request)
        async for c in chunks:
            await resp.write(c)
        await resp.write_eof()
        return resp

    app = web.Application()
    app.router.add_post("/v1/{tail:.*}", proxy)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None, loop=uvloop.new_event_loop())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", choices=("aiohttp", "uvicorn", "granian"), default="aiohttp")
    ap.add_argument("--client", choices=("aiohttp", "httpx"), default="aiohttp")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--upstream", required=True)
    a = ap.parse_args()
    os.environ["PT_UPSTREAM"], os.environ["PT_CLIENT"] = a.upstream, a.client  # for granian's worker
    global UPSTREAM, CLIENT  # read by the ASGI app (granian's worker reads the environment)
    UPSTREAM, CLIENT = a.upstream.rstrip("/"), a.client
    if a.server == "aiohttp":
        run_aiohttp(a.port)
    elif a.server == "uvicorn":
        import uvicorn

        uvicorn.run(
            asgi_app,
            host="127.0.0.1",
            port=a.port,
            loop="uvloop",
            http="httptools",
            access_log=False,
            log_level="warning",
            lifespan="off",
        )
    else:
        from pathlib import Path

        from granian import Granian
        from granian.constants import Interfaces, Loops
        from granian.log import LogLevels

        Granian(
            "passthrough:asgi_app",
            address="127.0.0.1",
            port=a.port,
            interface=Interfaces.ASGI,
            workers=1,
            loop=Loops.uvloop,
            log_access=False,
            log_level=LogLevels.warning,
            runtime_threads=1,
            working_dir=Path(__file__).resolve().parent,
        ).serve()


if __name__ == "__main__":
    main()
