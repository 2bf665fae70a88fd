"""The built-in demo provider: an in-process OpenAI-format server, deterministic, no network, no keys.

Behaviour by the provider model id (the `model` of a models entry):
- anything else (e.g. `echo`): replies `Echo: <last user text>`; with tools given (and tool_choice not
  "none") it calls the first tool, filling its string parameters with the last user text; after a tool
  result it replies `Tool result: <text>`.
- `fail`: answers 503 (to show fallback); `bad`: answers 400 with an OpenAI error body.
- `echo-chars`: like `echo`, but a streamed answer sends one character per chunk (text and tool-call
  arguments alike), to show that placeholders split across chunks are still restored.
- `judge`: answers the content guard's judge prompt with a JSON verdict (`demo_judge`).
- `embed`: embeddings (any model id works for /embeddings): 16 deterministic floats per input.
Token counts are estimates (4 characters a token), reported as usage like a real provider.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import struct
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import orjson

from bastion.providers import demo_judge

Json = dict[str, Any]
_CHUNK_WORDS = 2


@dataclass(slots=True)
class DemoResponse:
    status: int
    body: bytes = b""
    chunks: AsyncIterator[bytes] | None = None


def _tokens(text: str) -> int:
    return max(1, (len(text) + 3) // 4)


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            p.get("text", "") for p in content if isinstance(p, dict) and isinstance(p.get("text"), str)
        )
    return ""


def _prompt_text(body: Json) -> str:
    return " ".join(_text_of(m.get("content")) for m in body.get("messages") or () if isinstance(m, dict))


def _reply(body: Json) -> tuple[str, list[Json]]:
    """The assistant text and tool calls for a chat request."""
    messages = [m for m in body.get("messages") or () if isinstance(m, dict)]
    last = messages[-1] if messages else {}
    if last.get("role") == "tool":
        return "Tool result: " + _text_of(last.get("content")), []
    user = next((m for m in reversed(messages) if m.get("role") == "user"), {})
    text = _text_of(user.get("content"))
    tools = [
        t for t in body.get("tools") or () if isinstance(t, dict) and isinstance(t.get("function"), dict)
    ]
    if tools and body.get("tool_choice") != "none":
        fn = tools[0]["function"]
        props = (fn.get("parameters") or {}).get("properties") or {}
        args = {k: text for k, v in props.items() if isinstance(v, dict) and v.get("type") == "string"}
        call_id = "call_" + hashlib.sha256(text.encode()).hexdigest()[:24]
        call = {
            "id": call_id,
            "type": "function",
            "function": {"name": fn.get("name", "tool"), "arguments": orjson.dumps(args).decode()},
        }
        return "", [call]
    return "Echo: " + text, []


def _pieces(text: str, per_char: bool) -> list[str]:
    """The streamed deltas of `text`: one character each, or _CHUNK_WORDS words each."""
    if per_char:
        return list(text)
    words = text.split(" ") if text else []
    return [
        (" " if i else "") + " ".join(words[i : i + _CHUNK_WORDS]) for i in range(0, len(words), _CHUNK_WORDS)
    ]


def _error(status: int, message: str, etype: str) -> DemoResponse:
    return DemoResponse(
        status, orjson.dumps({"error": {"message": message, "type": etype, "param": None, "code": None}})
    )


class DemoServer:
    """Dispatches `demo://<path>` requests built by the demo adapter."""

    async def handle(self, path: str, raw: bytes) -> DemoResponse:
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return _error(400, "invalid JSON body", "invalid_request_error")
        model = str(body.get("model", "echo"))
        if model == "fail":
            return _error(503, "the demo model 'fail' is always unavailable", "service_unavailable")
        if model == "bad":
            return _error(400, "the demo model 'bad' rejects every request", "invalid_request_error")
        if path == "chat/completions":
            return self._chat(body, model)
        if path == "embeddings":
            return self._embeddings(body, model)
        if path == "responses":
            return self._responses(body, model)
        return _error(404, f"unknown demo path {path}", "not_found_error")

    def _chat(self, body: Json, model: str) -> DemoResponse:
        text, calls = (demo_judge.verdict(_prompt_text(body)), []) if model == "judge" else _reply(body)
        prompt_tokens = _tokens(_prompt_text(body))
        completion_tokens = _tokens(text + "".join(c["function"]["arguments"] for c in calls))
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        }
        cid = "chatcmpl-demo" + hashlib.sha256(text.encode()).hexdigest()[:16]
        finish = "tool_calls" if calls else "stop"
        if not body.get("stream"):
            message: Json = {"role": "assistant", "content": text or None}
            if calls:
                message["tool_calls"] = calls
            return DemoResponse(
                200,
                orjson.dumps(
                    {
                        "id": cid,
                        "object": "chat.completion",
                        "created": int(time.time()),
                        "model": model,
                        "choices": [
                            {"index": 0, "message": message, "finish_reason": finish, "logprobs": None}
                        ],
                        "usage": usage,
                    }
                ),
            )
        opts = body.get("stream_options") or {}
        include_usage = isinstance(opts, dict) and bool(opts.get("include_usage"))
        return DemoResponse(
            200,
            chunks=self._chat_stream(
                cid, model, text, calls, finish=finish, usage=usage if include_usage else None
            ),
        )

    async def _chat_stream(
        self, cid: str, model: str, text: str, calls: list[Json], *, finish: str, usage: Json | None
    ) -> AsyncIterator[bytes]:
        created = int(time.time())

        def chunk(delta: Json, finish_reason: str | None = None) -> bytes:
            data: Json = {
                "id": cid,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
            }
            return b"data: " + orjson.dumps(data) + b"\n\n"

        per_char = model == "echo-chars"
        yield chunk({"role": "assistant", "content": ""})
        for piece in _pieces(text, per_char):
            yield chunk({"content": piece})
            await asyncio.sleep(0)
        for n, call in enumerate(calls):
            yield chunk(
                {
                    "tool_calls": [
                        {
                            "index": n,
                            "id": call["id"],
                            "type": "function",
                            "function": {"name": call["function"]["name"], "arguments": ""},
                        }
                    ]
                }
            )
            args = call["function"]["arguments"]
            for piece in args if per_char else [args]:
                yield chunk({"tool_calls": [{"index": n, "function": {"arguments": piece}}]})
        yield chunk({}, finish)
        if usage is not None:
            data = {
                "id": cid,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "choices": [],
                "usage": usage,
            }
            yield b"data: " + orjson.dumps(data) + b"\n\n"
        yield b"data: [DONE]\n\n"

    def _embeddings(self, body: Json, model: str) -> DemoResponse:
        inp = body.get("input")
        inputs = [inp] if isinstance(inp, str) else inp if isinstance(inp, list) else None
        if not inputs:
            return _error(400, "input must be a non-empty string or list", "invalid_request_error")
        b64 = body.get("encoding_format") == "base64"
        data = []
        tokens = 0
        for i, item in enumerate(inputs):
            text = item if isinstance(item, str) else " ".join(map(str, item))
            tokens += _tokens(text)
            digest = hashlib.sha256(text.encode()).digest()
            vec = [(b - 127.5) / 127.5 for b in digest[:16]]
            emb: Any = base64.b64encode(struct.pack("<16f", *vec)).decode() if b64 else vec
            data.append({"object": "embedding", "index": i, "embedding": emb})
        return DemoResponse(
            200,
            orjson.dumps(
                {
                    "object": "list",
                    "data": data,
                    "model": model,
                    "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
                }
            ),
        )

    def _responses(self, body: Json, model: str) -> DemoResponse:
        inp = body.get("input")
        if isinstance(inp, str):
            text = inp
        else:
            items = [i for i in inp or () if isinstance(i, dict) and i.get("role", "user") == "user"]
            text = _text_of(items[-1].get("content")) if items else ""
        reply = "Echo: " + text
        rid = "resp_demo" + hashlib.sha256(reply.encode()).hexdigest()[:16]
        itok, otok = _tokens(text), _tokens(reply)
        msg = {
            "type": "message",
            "id": "msg_" + rid[5:],
            "status": "completed",
            "role": "assistant",
            "content": [{"type": "output_text", "text": reply, "annotations": []}],
        }
        resp: Json = {
            "id": rid,
            "object": "response",
            "created_at": int(time.time()),
            "status": "completed",
            "model": model,
            "output": [msg],
            "parallel_tool_calls": True,
            "tool_choice": "auto",
            "tools": [],
            "usage": {
                "input_tokens": itok,
                "output_tokens": otok,
                "total_tokens": itok + otok,
                "input_tokens_details": {"cached_tokens": 0},
                "output_tokens_details": {"reasoning_tokens": 0},
            },
        }
        if not body.get("stream"):
            return DemoResponse(200, orjson.dumps(resp))
        return DemoResponse(200, chunks=self._responses_stream(resp, msg, reply))

    async def _responses_stream(self, resp: Json, msg: Json, reply: str) -> AsyncIterator[bytes]:
        seq = 0

        def ev(etype: str, data: Json) -> bytes:
            nonlocal seq
            seq += 1
            payload = {"type": etype, "sequence_number": seq, **data}
            return b"event: " + etype.encode() + b"\ndata: " + orjson.dumps(payload) + b"\n\n"

        pending = {**resp, "status": "in_progress", "output": [], "usage": None}
        yield ev("response.created", {"response": pending})
        empty_msg = {**msg, "status": "in_progress", "content": []}
        yield ev("response.output_item.added", {"output_index": 0, "item": empty_msg})
        part = {"type": "output_text", "text": "", "annotations": []}
        ids = {"item_id": msg["id"], "output_index": 0, "content_index": 0}
        yield ev("response.content_part.added", {**ids, "part": part})
        words = reply.split(" ")
        for i in range(0, len(words), _CHUNK_WORDS):
            piece = " ".join(words[i : i + _CHUNK_WORDS])
            yield ev("response.output_text.delta", {**ids, "delta": piece if i == 0 else " " + piece})
            await asyncio.sleep(0)
        yield ev("response.output_text.done", {**ids, "text": reply})
        yield ev("response.content_part.done", {**ids, "part": {**part, "text": reply}})
        yield ev("response.output_item.done", {"output_index": 0, "item": msg})
        yield ev("response.completed", {"response": resp})
