"""All upstream I/O: one pooled HTTP client (and the in-process demo server for `demo://` URLs).

`send()` returns once the provider's status and headers are in. A non-streaming or error answer is read
whole; a 2xx stream is handed back as an async iterator of byte chunks bounded by the idle and total
timeouts. Connection failures become 502, timeouts 504; provider secrets never appear in messages.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp

from bastion.config.schema import ProviderConfig, Timeouts
from bastion.errors import BadGateway, GatewayTimeout
from bastion.providers.base import UpstreamRequest
from bastion.providers.demo import DemoServer


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
        self.demo = DemoServer()

    async def start(self) -> None:
        connector = aiohttp.TCPConnector(limit=0, ttl_dns_cache=300, keepalive_timeout=60)
        self._session = aiohttp.ClientSession(
            connector=connector,
            auto_decompress=True,
            skip_auto_headers=("User-Agent",),
            headers={"User-Agent": "bastion"},
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _client_timeout(self, t: Timeouts) -> aiohttp.ClientTimeout:
        # keyed by identity: hashing a (frozen pydantic) Timeouts on every request costs more than the rest
        cached = self._timeouts.get(id(t))
        if cached is not None and cached[0] is t:
            return cached[1]
        ct = aiohttp.ClientTimeout(total=None, connect=t.connect, sock_connect=t.connect, sock_read=t.idle)
        self._timeouts[id(t)] = (t, ct)
        return ct

    async def send(self, provider: ProviderConfig, req: UpstreamRequest, stream: bool) -> UpstreamResponse:
        if req.url.startswith("demo://"):
            return await self._demo(req)
        assert self._session is not None, "Upstream.start() was not awaited"
        t = provider.timeouts
        deadline = time.monotonic() + t.total
        reading = False  # False: waiting for the status and headers; True: reading the body
        try:
            # one timer for both phases (rescheduled to the total deadline once the headers are in)
            async with asyncio.timeout(min(t.first_byte, t.total)) as timer:
                resp = await self._session.request(
                    req.method, req.url, data=req.body, headers=req.headers, timeout=self._client_timeout(t)
                )
                ctype = resp.headers.get("Content-Type", "")
                if stream and resp.status < 300 and ctype.startswith("text/event-stream"):
                    return UpstreamResponse(resp.status, ctype, chunks=self._relay(provider, resp, deadline))
                reading = True
                timer.reschedule(asyncio.get_running_loop().time() + max(0.0, deadline - time.monotonic()))
                try:
                    body = await resp.read()
                finally:
                    resp.release()
        except TimeoutError:
            if reading:
                raise GatewayTimeout(f"provider {provider.name} did not finish in time") from None
            raise GatewayTimeout(f"provider {provider.name} did not answer in time") from None
        except aiohttp.ClientError as exc:
            if reading:
                raise BadGateway(
                    f"provider {provider.name} failed mid-response: {type(exc).__name__}"
                ) from None
            raise BadGateway(f"could not reach provider {provider.name}: {type(exc).__name__}") from None
        return UpstreamResponse(resp.status, ctype, body=body, headers=_keep_headers(resp))

    async def _relay(
        self, provider: ProviderConfig, resp: aiohttp.ClientResponse, deadline: float
    ) -> AsyncIterator[bytes]:
        """Chunks as they arrive; closing the iterator (client gone) closes the upstream connection."""
        try:
            async for chunk in resp.content.iter_any():
                yield chunk
                if time.monotonic() > deadline:
                    raise GatewayTimeout(f"provider {provider.name} stream ran past its total time limit")
        except TimeoutError:
            raise GatewayTimeout(f"provider {provider.name} stream stalled (idle timeout)") from None
        except aiohttp.ClientError as exc:
            raise BadGateway(f"provider {provider.name} stream broke: {type(exc).__name__}") from None
        finally:
            resp.close()

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
