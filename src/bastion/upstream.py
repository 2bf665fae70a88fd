"""All upstream I/O: one pooled HTTP client (and the in-process demo server for `demo://` URLs).

`send()` returns once the provider's status and headers are in. A non-streaming or error answer is read
whole; a 2xx stream is handed back as an async iterator of byte chunks bounded by the idle and total
timeouts. Connection failures become 502, timeouts 504; provider secrets never appear in messages.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
from yarl import URL

from bastion.config.schema import ProviderConfig, Timeouts
from bastion.deadlines import Deadlines, Watch
from bastion.errors import BadGateway, GatewayTimeout
from bastion.providers.base import UpstreamRequest
from bastion.providers.demo import DemoServer

_MAX_URLS = 1024


@dataclass(slots=True)
class UpstreamResponse:
    status: int
    content_type: str
    body: bytes = b""
    chunks: AsyncIterator[bytes] | None = None
    headers: dict[str, str] | None = None


class Upstream:
    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None
        self._timeouts: dict[int, tuple[Timeouts, aiohttp.ClientTimeout]] = {}
        self._urls: dict[str, URL] = {}  # parsed once per upstream URL (a handful per configuration)
        self.demo = DemoServer()
        self.deadlines = Deadlines()

    async def start(self) -> None:
        connector = aiohttp.TCPConnector(limit=0, ttl_dns_cache=300, keepalive_timeout=60)
        self._session = aiohttp.ClientSession(
            connector=connector,
            # one session serves every caller: a cookie one provider answer sets must never be sent on
            # another caller's request (and no per-request cookie filtering)
            cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=True,
            skip_auto_headers=("User-Agent",),
            headers={"User-Agent": "bastion"},
        )

    async def close(self) -> None:
        self.deadlines.close()
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _client_timeout(self, t: Timeouts) -> aiohttp.ClientTimeout:
        # keyed by identity: hashing a (frozen pydantic) Timeouts on every request costs more than the rest
        cached = self._timeouts.get(id(t))
        if cached is not None and cached[0] is t:
            return cached[1]
        # no sock_read: aiohttp would reschedule a loop timer on every read; `Deadlines` bounds the waits
        ct = aiohttp.ClientTimeout(total=None, connect=t.connect, sock_connect=t.connect, sock_read=None)
        self._timeouts[id(t)] = (t, ct)
        return ct

    def _url(self, url: str) -> URL:
        parsed = self._urls.get(url)
        if parsed is None:
            if len(self._urls) >= _MAX_URLS:  # e.g. many models in Gemini-style URLs: start over
                self._urls.clear()
            parsed = self._urls[url] = URL(url)
        return parsed

    async def send(self, provider: ProviderConfig, req: UpstreamRequest, stream: bool) -> UpstreamResponse:
        if req.url.startswith("demo://"):
            return await self._demo(req)
        assert self._session is not None, "Upstream.start() was not awaited"
        t = provider.timeouts
        deadlines = self.deadlines
        total_at = deadlines.now() + t.total
        reading = False  # False: waiting for the status and headers; True: reading the body
        # one watch for both phases (moved to the total deadline once the headers are in)
        watch = deadlines.arm(min(t.first_byte, t.total))
        try:
            resp = await self._session.request(
                req.method,
                self._url(req.url),
                data=req.body,
                headers=req.headers,
                timeout=self._client_timeout(t),
            )
            ctype = resp.headers.get("Content-Type", "")
            if stream and resp.status < 300 and ctype.startswith("text/event-stream"):
                deadlines.disarm(watch)
                chunks = self._relay(provider, resp, watch, total_at)
                return UpstreamResponse(resp.status, ctype, chunks=chunks)
            reading = True
            watch.deadline = total_at
            try:
                body = await resp.read()
            finally:
                resp.release()
        except asyncio.CancelledError:
            if watch.expired():
                if reading:
                    raise GatewayTimeout(f"provider {provider.name} did not finish in time") from None
                raise GatewayTimeout(f"provider {provider.name} did not answer in time") from None
            raise
        except TimeoutError:  # aiohttp's connect timeout
            raise GatewayTimeout(f"provider {provider.name} did not answer in time") from None
        except aiohttp.ClientError as exc:
            if reading:
                raise BadGateway(
                    f"provider {provider.name} failed mid-response: {type(exc).__name__}"
                ) from None
            raise BadGateway(f"could not reach provider {provider.name}: {type(exc).__name__}") from None
        finally:
            deadlines.disarm(watch)
        return UpstreamResponse(resp.status, ctype, body=body, headers=_keep_headers(resp))

    async def _relay(
        self, provider: ProviderConfig, resp: aiohttp.ClientResponse, watch: Watch, total_at: float
    ) -> AsyncIterator[bytes]:
        """Chunks as they arrive; closing the iterator early (client gone) closes the upstream connection,
        a stream read to its end returns it to the pool. The
        watch is armed only while waiting for the provider (idle timeout, capped by the total deadline),
        never while the client is being written to."""
        deadlines = self.deadlines
        idle = provider.timeouts.idle
        chunks = resp.content.iter_any().__aiter__()
        complete = False
        try:
            while True:
                if deadlines.rearm(watch, idle, total_at) >= total_at:
                    deadlines.disarm(watch)
                    raise GatewayTimeout(f"provider {provider.name} stream ran past its total time limit")
                try:
                    chunk = await chunks.__anext__()
                except StopAsyncIteration:
                    complete = True
                    return
                except asyncio.CancelledError:
                    if watch.expired():
                        if watch.deadline >= total_at:
                            raise GatewayTimeout(
                                f"provider {provider.name} stream ran past its total time limit"
                            ) from None
                        name = provider.name
                        raise GatewayTimeout(f"provider {name} stream stalled (idle timeout)") from None
                    raise
                finally:
                    deadlines.disarm(watch)
                yield chunk
        except aiohttp.ClientError as exc:
            raise BadGateway(f"provider {provider.name} stream broke: {type(exc).__name__}") from None
        finally:
            if complete:
                resp.release()  # read to the end: the connection goes back to the pool
            else:
                resp.close()  # abandoned (client gone, timeout, failure): the provider must stop

    async def _demo(self, req: UpstreamRequest) -> UpstreamResponse:
        out = await self.demo.handle(req.url.removeprefix("demo://"), req.body)
        if out.chunks is not None:
            return UpstreamResponse(out.status, "text/event-stream", chunks=out.chunks)
        return UpstreamResponse(out.status, "application/json", body=out.body)


def _keep_headers(resp: aiohttp.ClientResponse) -> dict[str, str]:
    keep = {}
    for name in ("retry-after", "x-request-id", "request-id"):
        value = resp.headers.get(name)
        if value is not None:
            keep[name] = value
    return keep
