"""The base of every fake provider: a real aiohttp server on 127.0.0.1 port 0, in its own thread, that
records each request it receives and plays the behaviour its model id asks for.

Behaviour by provider model id (`fake-<behaviour>`):

    echo (or anything else)  reply "Echo: <last user text>"; with tools, call the first tool
    fail-<status>            answer <status> with the provider's error body (429 adds Retry-After: 7;
                             401 quotes the credentials it received)
    slow                     wait SLOW_SECONDS before the first byte
    die                      stream two events, then drop the connection (no terminator)
    truncate                 stream two events, then end the body cleanly (no terminator)
    endless                  stream two events, then a tick every 50 ms until the client goes away
    stall                    stream two events, then nothing (the gateway's idle timeout must fire)
    hangup                   send the stream's headers, then drop the connection before any event
    error-event              stream two events, then the provider's own mid-stream error event, then end
    drip-<seconds>           stream the first events (up to the text), then a tick every DRIP_INTERVAL s
                             for <seconds> s, then the rest of the answer and its terminator (a long stream)
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Self

import orjson
from aiohttp import web

from fakes.loop import LoopThread

Json = dict[str, Any]
SLOW_SECONDS = 5.0
DRIP_INTERVAL = 0.25
TOOL_ARGUMENT = "Paris"
ErrorBody = Callable[[int, str], Json]


@dataclass(slots=True)
class Recorded:
    """One request as the fake provider received it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    raw: bytes
    body: Any
    closed: threading.Event = field(default_factory=threading.Event)  # client went away mid-stream

    @property
    def json(self) -> Json:
        assert isinstance(self.body, dict), f"not a JSON object: {self.raw[:200]!r}"
        return self.body


def behaviour(model: str) -> str:
    return model.removeprefix("models/").removeprefix("fake-")


def drip_ticks(kind: str) -> int:
    """How many ticks a `drip-<seconds>` stream sends (0 for every other behaviour)."""
    prefix, _, seconds = kind.partition("-")
    if prefix != "drip":
        return 0
    return round(float(seconds) / DRIP_INTERVAL)


def fail_status(kind: str) -> int | None:
    prefix, _, status = kind.partition("-")
    return int(status) if prefix == "fail" and status.isdigit() else None


def tool_arguments(schema: Any) -> Json:
    """Arguments for a tool call: every string property gets TOOL_ARGUMENT (JSON or Gemini schemas)."""
    props = schema.get("properties") if isinstance(schema, dict) else None
    return {
        k: TOOL_ARGUMENT
        for k, v in (props or {}).items()
        if isinstance(v, dict) and str(v.get("type", "")).lower() == "string"
    }


class FakeServer:
    """Subclasses add their routes in `routes()` and speak their wire format."""

    name = "fake"

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._thread: LoopThread | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ---- lifecycle -----------------------------------------------------------------------------------

    def routes(self, app: web.Application) -> None:
        raise NotImplementedError

    def start(self) -> Self:
        self._thread = LoopThread(f"{self.name}-server")
        self.port = self._thread.run(self._start())
        return self

    async def _start(self) -> int:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        self.routes(app)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        return int(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]

    def stop(self) -> None:
        if self._thread is not None and self._runner is not None:
            self._thread.run(self._runner.cleanup(), timeout=60)
            self._thread.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # ---- what tests read -----------------------------------------------------------------------------

    def find(self, marker: str) -> Recorded:
        """The latest request whose body contains `marker` (tests put a unique marker in the prompt)."""
        needle = marker.encode()
        for rec in reversed(self.requests):
            if needle in rec.raw:
                return rec
        raise AssertionError(f"{self.name}: no request contained {marker!r} ({len(self.requests)} received)")

    def wait_for(self, marker: str, timeout: float = 5.0) -> Recorded:
        """`find`, waiting for the request to arrive (for tests whose client gave up early)."""
        deadline = time.monotonic() + timeout
        while self.count(marker) == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.find(marker)

    def count(self, marker: str) -> int:
        return sum(marker.encode() in r.raw for r in self.requests)

    # ---- helpers for subclasses ----------------------------------------------------------------------

    async def record(self, request: web.Request) -> Recorded:
        raw = await request.read()
        try:
            body = orjson.loads(raw) if raw else None
        except orjson.JSONDecodeError:
            body = None
        rec = Recorded(
            request.method,
            request.path,
            dict(request.query),
            {k.lower(): v for k, v in request.headers.items()},
            raw,
            body,
        )
        self.requests.append(rec)
        return rec

    @staticmethod
    async def prelude(kind: str, error_body: ErrorBody, rec: Recorded) -> web.Response | None:
        """Plays `slow` and `fail-<status>`; None means: go on and answer. A 401 quotes the key it got,
        as real providers (partly) do."""
        if kind == "slow":
            try:
                await asyncio.sleep(SLOW_SECONDS)
            except asyncio.CancelledError:
                rec.closed.set()
                raise
        status = fail_status(kind)
        if status is None:
            return None
        headers = {"Retry-After": "7"} if status == 429 else None
        message = f"fake provider says {status}"
        if status == 401:
            names = ("authorization", "x-api-key", "x-goog-api-key", "api-key")
            message = "Incorrect API key provided: " + "".join(rec.headers.get(h, "") for h in names)
        body = error_body(status, message)
        return web.json_response(body, status=status, headers=headers)

    @staticmethod
    async def stream(
        request: web.Request,
        rec: Recorded,
        kind: str,
        events: Sequence[bytes],
        *,
        tick: bytes,
        failure: bytes = b"",
        drip_head: int = 2,
    ) -> web.StreamResponse:
        """Writes SSE events as `kind` says (see the module docstring)."""
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await resp.prepare(request)
        try:
            if ticks := drip_ticks(kind):
                await resp.write(b"".join(events[:drip_head]))  # up to where a tick may follow
                for _ in range(ticks):
                    await asyncio.sleep(DRIP_INTERVAL)
                    await resp.write(tick)
                events = events[drip_head:]
            for ev in events[: _CUT.get(kind, len(events))]:
                await resp.write(ev)
                await asyncio.sleep(0)
            if kind == "error-event":
                await resp.write(failure)
            if kind in ("die", "hangup"):
                await asyncio.sleep(0.05)
                assert request.transport is not None
                request.transport.abort()
                return resp
            if kind == "stall":
                await asyncio.sleep(60)
            while kind == "endless":
                await asyncio.sleep(0.05)
                if request.transport is None or request.transport.is_closing():
                    rec.closed.set()
                    return resp
                await resp.write(tick)
            await resp.write_eof()
        except (asyncio.CancelledError, ConnectionError):
            rec.closed.set()
            raise
        return resp


_CUT = {
    "die": 2,
    "truncate": 2,
    "endless": 2,
    "stall": 2,
    "hangup": 0,
    "error-event": 2,
}  # events sent before the trouble


def sse(data: Json | str, event: str | None = None, sep: bytes = b"\n") -> bytes:
    payload = data.encode() if isinstance(data, str) else orjson.dumps(data)
    head = b"event: " + event.encode() + sep if event else b""
    return head + b"data: " + payload + sep + sep
