"""A fake OpenAI: chat completions (JSON and SSE), embeddings (float and base64), responses (JSON and SSE),
and the same routes under Azure OpenAI's deployment paths."""

from __future__ import annotations

import base64
import struct
from typing import Any

import orjson
from aiohttp import web

from fakes.server import FakeServer, Json, Recorded, behaviour, sse, tool_arguments

USAGE = {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18}
RESPONSES_USAGE = {
    "input_tokens": 11,
    "output_tokens": 7,
    "total_tokens": 18,
    "input_tokens_details": {"cached_tokens": 0},
    "output_tokens_details": {"reasoning_tokens": 0},
}
EXTRA_FIELD = {"x_fake_extra": {"kept": True}}  # unknown to every SDK: pass-through must keep it
CHAT_ID = "chatcmpl-fake123"


def embedding(text: str) -> list[float]:
    """Four float32-exact numbers per input."""
    n = len(text)
    return [n / 4, -n / 8, 0.5, 0.25]


def error_body(status: int, message: str) -> Json:
    etype = {400: "invalid_request_error", 429: "rate_limit_error"}.get(status, "server_error")
    return {"error": {"message": message, "type": etype, "param": None, "code": None}}


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    parts = content if isinstance(content, list) else []
    return " ".join(p["text"] for p in parts if isinstance(p, dict) and isinstance(p.get("text"), str))


def reply(body: Json) -> tuple[str, list[Json]]:
    """(text, tool calls) for a chat request."""
    messages = [m for m in body.get("messages") or [] if isinstance(m, dict)]
    last = messages[-1] if messages else {}
    if last.get("role") == "tool":
        return "Tool result: " + _text(last.get("content")), []
    tools = [t["function"] for t in body.get("tools") or [] if isinstance(t.get("function"), dict)]
    if tools and body.get("tool_choice") != "none":
        args = orjson.dumps(tool_arguments(tools[0].get("parameters"))).decode()
        call = {
            "id": "call_fake1",
            "type": "function",
            "function": {"name": tools[0]["name"], "arguments": args},
        }
        return "", [call]
    return "Echo: " + _text(last.get("content")), []


def _chunk(model: str, delta: Json, finish: str | None = None) -> bytes:
    choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
    data = {
        "id": CHAT_ID,
        "object": "chat.completion.chunk",
        "created": 1,
        "model": model,
        "choices": [choice],
    }
    return sse(data)


def chat_events(body: Json, model: str, text: str, calls: list[Json]) -> list[bytes]:
    events = [_chunk(model, {"role": "assistant", "content": ""})]
    words = text.split(" ") if text else []
    events += [_chunk(model, {"content": w if i == 0 else " " + w}) for i, w in enumerate(words)]
    for n, call in enumerate(calls):
        fn = call["function"]
        head = {
            "index": n,
            "id": call["id"],
            "type": "function",
            "function": {"name": fn["name"], "arguments": ""},
        }
        events.append(_chunk(model, {"tool_calls": [head]}))
        half = len(fn["arguments"]) // 2
        for piece in (fn["arguments"][:half], fn["arguments"][half:]):
            events.append(_chunk(model, {"tool_calls": [{"index": n, "function": {"arguments": piece}}]}))
    events.append(_chunk(model, {}, "tool_calls" if calls else "stop"))
    opts = body.get("stream_options")
    if isinstance(opts, dict) and opts.get("include_usage"):
        usage = {"id": CHAT_ID, "object": "chat.completion.chunk", "created": 1, "model": model}
        events.append(sse({**usage, "choices": [], "usage": USAGE}))
    events.append(sse("[DONE]"))
    return events


def _response(model: str, text: str, status: str = "completed") -> Json:
    msg = {
        "type": "message",
        "id": "msg_fake1",
        "status": status,
        "role": "assistant",
        "content": [{"type": "output_text", "text": text, "annotations": []}] if text else [],
    }
    return {
        "id": "resp_fake1",
        "object": "response",
        "created_at": 1,
        "status": status,
        "model": model,
        "output": [msg],
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
        "usage": RESPONSES_USAGE if status == "completed" else None,
        **EXTRA_FIELD,
    }


def responses_events(model: str, text: str) -> list[bytes]:
    seq = iter(range(1, 1000))

    def ev(etype: str, data: Json) -> bytes:
        return sse({"type": etype, "sequence_number": next(seq), **data}, etype)

    ids = {"item_id": "msg_fake1", "output_index": 0, "content_index": 0}
    part = {"type": "output_text", "text": "", "annotations": []}
    pending = _response(model, "", "in_progress")
    item = pending["output"][0]
    events = [
        ev("response.created", {"response": {**pending, "output": []}}),
        ev("response.output_item.added", {"output_index": 0, "item": item}),
        ev("response.content_part.added", {**ids, "part": part}),
    ]
    words = text.split(" ")
    events += [
        ev("response.output_text.delta", {**ids, "delta": w if i == 0 else " " + w, "logprobs": []})
        for i, w in enumerate(words)
    ]
    done = _response(model, text)
    events += [
        ev("response.output_text.done", {**ids, "text": text, "logprobs": []}),
        ev("response.content_part.done", {**ids, "part": {**part, "text": text}}),
        ev("response.output_item.done", {"output_index": 0, "item": done["output"][0]}),
        ev("response.completed", {"response": done}),
    ]
    return events


class FakeOpenAI(FakeServer):
    name = "fake-openai"

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/chat/completions", self.chat)
        app.router.add_post("/v1/embeddings", self.embeddings)
        app.router.add_post("/v1/responses", self.responses)
        app.router.add_post("/openai/deployments/{deployment}/chat/completions", self.chat)
        app.router.add_post("/openai/deployments/{deployment}/embeddings", self.embeddings)

    @staticmethod
    def _model(request: web.Request, rec: Recorded) -> str:
        return request.match_info.get("deployment") or str(rec.json.get("model", ""))

    async def chat(self, request: web.Request) -> web.StreamResponse:
        rec = await self.record(request)
        model = self._model(request, rec)
        kind = behaviour(model)
        if (early := await self.prelude(kind, error_body, rec)) is not None:
            return early
        text, calls = reply(rec.json)
        if not rec.json.get("stream"):
            message: Json = {"role": "assistant", "content": text or None, "refusal": None}
            if calls:
                message["tool_calls"] = calls
            choice = {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": "tool_calls" if calls else "stop",
            }
            body = {
                "id": CHAT_ID,
                "object": "chat.completion",
                "created": 1,
                "model": model,
                "choices": [choice],
                "usage": USAGE,
                **EXTRA_FIELD,
            }
            return web.json_response(body)
        tick = _chunk(model, {"content": " tick"})
        failure = sse(error_body(500, "fake provider failed mid-stream"))
        return await self.stream(
            request, rec, kind, chat_events(rec.json, model, text, calls), tick=tick, failure=failure
        )

    async def embeddings(self, request: web.Request) -> web.Response:
        rec = await self.record(request)
        model = self._model(request, rec)
        if (early := await self.prelude(behaviour(model), error_body, rec)) is not None:
            return early
        inp = rec.json.get("input")
        texts = [inp] if isinstance(inp, str) else list(inp or [])
        b64 = rec.json.get("encoding_format") == "base64"
        data = []
        for i, text in enumerate(texts):
            vec = embedding(str(text))
            emb: Any = base64.b64encode(struct.pack(f"<{len(vec)}f", *vec)).decode() if b64 else vec
            data.append({"object": "embedding", "index": i, "embedding": emb})
        usage = {"prompt_tokens": 5, "total_tokens": 5}
        return web.json_response({"object": "list", "data": data, "model": model, "usage": usage})

    async def responses(self, request: web.Request) -> web.StreamResponse:
        rec = await self.record(request)
        model = str(rec.json.get("model", ""))
        kind = behaviour(model)
        if (early := await self.prelude(kind, error_body, rec)) is not None:
            return early
        inp = rec.json.get("input")
        text = "Echo: " + (inp if isinstance(inp, str) else _text((inp or [{}])[-1].get("content")))
        if not rec.json.get("stream"):
            return web.json_response(_response(model, text))
        tick = sse({"type": "response.output_text.delta", "delta": " tick"}, "response.output_text.delta")
        failure = sse(
            {"type": "error", "code": "server_error", "message": "fake provider failed mid-stream"}, "error"
        )
        return await self.stream(
            request, rec, kind, responses_events(model, text), tick=tick, failure=failure
        )
