"""A fake Anthropic Messages API: JSON and the full SSE event sequence, tool_use with input_json_delta."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from fakes.server import FakeServer, Json, behaviour, sse, tool_arguments

USAGE = {
    "input_tokens": 13,
    "output_tokens": 5,
    "cache_creation_input_tokens": 0,
    "cache_read_input_tokens": 0,
}
MESSAGE_ID = "msg_fake123"


def error_body(status: int, message: str) -> Json:
    etype = {400: "invalid_request_error", 429: "rate_limit_error", 503: "overloaded_error"}.get(
        status, "api_error"
    )
    return {"type": "error", "error": {"type": etype, "message": message}}


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    blocks = content if isinstance(content, list) else []
    return " ".join(b["text"] for b in blocks if isinstance(b, dict) and b.get("type") == "text")


def reply(body: Json) -> list[Json]:
    """The content blocks of the answer."""
    messages = [m for m in body.get("messages") or [] if isinstance(m, dict)]
    content = messages[-1].get("content") if messages else ""
    results = (
        [b for b in content if isinstance(b, dict) and b.get("type") == "tool_result"]
        if isinstance(content, list)
        else []
    )
    if results:
        return [{"type": "text", "text": "Tool result: " + _text(results[-1].get("content"))}]
    tools = [t for t in body.get("tools") or [] if isinstance(t, dict) and t.get("name")]
    choice = body.get("tool_choice")
    if tools and not (isinstance(choice, dict) and choice.get("type") == "none"):
        args = tool_arguments(tools[0].get("input_schema"))
        return [{"type": "tool_use", "id": "toolu_fake1", "name": tools[0]["name"], "input": args}]
    return [{"type": "text", "text": "Echo: " + _text(content)}]


def _ev(data: Json) -> bytes:
    return sse(data, data["type"])


def message_events(model: str, blocks: list[Json], stop: str) -> list[bytes]:
    start = {"id": MESSAGE_ID, "type": "message", "role": "assistant", "model": model, "content": [],
             "stop_reason": None, "stop_sequence": None, "usage": {**USAGE, "output_tokens": 1}}  # fmt: skip
    events = [_ev({"type": "message_start", "message": start}), _ev({"type": "ping"})]
    for i, block in enumerate(blocks):
        if block["type"] == "text":
            events.append(
                _ev(
                    {"type": "content_block_start", "index": i, "content_block": {"type": "text", "text": ""}}
                )
            )
            words = block["text"].split(" ")
            for n, w in enumerate(words):
                delta = {"type": "text_delta", "text": w if n == 0 else " " + w}
                events.append(_ev({"type": "content_block_delta", "index": i, "delta": delta}))
        else:
            head = {**block, "input": {}}
            events.append(_ev({"type": "content_block_start", "index": i, "content_block": head}))
            args = orjson.dumps(block["input"]).decode()
            half = len(args) // 2
            for piece in ("", args[:half], args[half:]):
                delta = {"type": "input_json_delta", "partial_json": piece}
                events.append(_ev({"type": "content_block_delta", "index": i, "delta": delta}))
        events.append(_ev({"type": "content_block_stop", "index": i}))
    delta = {"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": None},
             "usage": {"output_tokens": USAGE["output_tokens"]}}  # fmt: skip
    events += [_ev(delta), _ev({"type": "message_stop"})]
    return events


class FakeAnthropic(FakeServer):
    name = "fake-anthropic"

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/messages", self.messages)

    async def messages(self, request: web.Request) -> web.StreamResponse:
        rec = await self.record(request)
        model = str(rec.json.get("model", ""))
        kind = behaviour(model)
        if (early := await self.prelude(kind, error_body, rec)) is not None:
            return early
        blocks = reply(rec.json)
        stop = "tool_use" if blocks[-1]["type"] == "tool_use" else "end_turn"
        if not rec.json.get("stream"):
            body = {"id": MESSAGE_ID, "type": "message", "role": "assistant", "model": model,
                    "content": blocks, "stop_reason": stop, "stop_sequence": None,
                    "usage": USAGE, "x_fake_extra": {"kept": True}}  # fmt: skip
            return web.json_response(body)
        tick = _ev(
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": " tick"}}
        )
        failure = _ev(error_body(529, "fake provider failed mid-stream"))
        return await self.stream(
            request, rec, kind, message_events(model, blocks, stop), tick=tick, failure=failure,
            drip_head=3,  # message_start, ping, content_block_start: then text deltas may follow
        )
