"""A fake provider whose behaviour tests change while it runs: per provider model id, a `Script` says how
long to wait before answering, which failures to play (a 500 storm, 429 with Retry-After, a hang before
headers, a reset mid-stream) and counts the requests it received. Speaks OpenAI chat completions at
/v1/chat/completions and Anthropic messages at /v1/messages; a real aiohttp server on 127.0.0.1 port 0."""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import web

from fakes import anthropic as fa
from fakes import openai as fo
from fakes.loop import LoopThread


@dataclass
class Script:
    delay: float = 0.0  # seconds before the status line
    status: int | None = None  # every request fails with this status
    failures: deque[int] = field(default_factory=deque)  # the next requests fail with these, in turn
    retry_after: str | None = None  # sent with failures
    hang: bool = False  # never answer (until the client gives up)
    reset_after: int | None = None  # streams: drop the connection after this many events
    stall_after: int | None = None  # streams: go silent after this many events
    hits: int = 0

    def fail_next(self, status: int, times: int = 1) -> Script:
        self.failures.extend([status] * times)
        return self

    def failure(self) -> int | None:
        if self.failures:
            return self.failures.popleft()
        return self.status


class Scripted:
    def __init__(self) -> None:
        self.scripts: dict[str, Script] = {}
        self.log: list[str] = []  # provider model ids, in arrival order
        self._thread: LoopThread | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0

    def script(self, model: str) -> Script:
        found = self.scripts.get(model)
        if found is None:
            found = self.scripts[model] = Script()
        return found

    def hits(self, model: str) -> int:
        return self.script(model).hits

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Scripted:
        self._thread = LoopThread("scripted-provider")
        self.port = self._thread.run(self._start())
        return self

    async def _start(self) -> int:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self.openai)
        app.router.add_post("/v1/messages", self.anthropic)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        return int(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]

    def stop(self) -> None:
        if self._thread is not None and self._runner is not None:
            self._thread.run(self._runner.cleanup())
            self._thread.stop()

    async def _prelude(self, body: dict[str, Any], error: Any) -> tuple[Script, web.Response | None]:
        model = str(body.get("model"))
        s = self.script(model)
        s.hits += 1
        self.log.append(model)
        if s.hang:
            await asyncio.sleep(60)
        if s.delay:
            await asyncio.sleep(s.delay)
        status = s.failure()
        if status is None:
            return s, None
        headers = {"Retry-After": s.retry_after} if s.retry_after else None
        return s, web.json_response(error(status, f"scripted {status}"), status=status, headers=headers)

    async def _stream(self, request: web.Request, s: Script, events: list[bytes]) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await resp.prepare(request)
        for i, ev in enumerate(events):
            if s.stall_after is not None and i >= s.stall_after:
                await asyncio.sleep(60)
            if s.reset_after is not None and i >= s.reset_after:
                await asyncio.sleep(0.05)
                assert request.transport is not None
                request.transport.abort()
                return resp
            await resp.write(ev)
        await resp.write_eof()
        return resp

    async def openai(self, request: web.Request) -> web.StreamResponse:
        body = orjson.loads(await request.read())
        s, early = await self._prelude(body, fo.error_body)
        if early is not None:
            return early
        model = str(body["model"])
        text, calls = fo.reply(body)
        if body.get("stream"):
            return await self._stream(request, s, fo.chat_events(body, model, text, calls))
        message = {"role": "assistant", "content": text, "refusal": None}
        choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": "stop"}
        return web.json_response({"id": fo.CHAT_ID, "object": "chat.completion", "created": 1, "model": model,
                                  "choices": [choice], "usage": fo.USAGE})  # fmt: skip

    async def anthropic(self, request: web.Request) -> web.StreamResponse:
        body = orjson.loads(await request.read())
        s, early = await self._prelude(body, fa.error_body)
        if early is not None:
            return early
        model = str(body["model"])
        blocks = fa.reply(body)
        if body.get("stream"):
            return await self._stream(request, s, fa.message_events(model, blocks, "end_turn"))
        return web.json_response({"id": fa.MESSAGE_ID, "type": "message", "role": "assistant", "model": model,
                                  "content": blocks, "stop_reason": "end_turn", "stop_sequence": None,
                                  "usage": fa.USAGE})  # fmt: skip
