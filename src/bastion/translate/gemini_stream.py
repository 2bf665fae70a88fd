"""Gemini `streamGenerateContent?alt=sse` <-> OpenAI chunks, plus the response pieces that the whole-body
path in `gemini.py` shares with it (finish reasons, usage, function calls, errors).

Stream shape: every `data:` is a whole `GenerateContentResponse` holding the next slice of text; function
calls arrive whole (never split across events); `usageMetadata` rides on most events with the final
counts on the last; there is no terminator event. An upstream failure mid-stream arrives as an event
holding Gemini's error JSON: the decoder records it as `decoder.error = (message, openai_error_type)`
and emits nothing for it, so the caller decides how to end the client's stream.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import orjson

from bastion.sse import SseEvent
from bastion.translate.base import Json
from bastion.usage import Usage

FINISH_TO_OPENAI = {
    "STOP": "stop",
    "MAX_TOKENS": "length",
    "SAFETY": "content_filter",
    "RECITATION": "content_filter",
    "BLOCKLIST": "content_filter",
    "PROHIBITED_CONTENT": "content_filter",
    "SPII": "content_filter",
    "IMAGE_SAFETY": "content_filter",
}
FINISH_FROM_OPENAI = {"stop": "STOP", "length": "MAX_TOKENS", "content_filter": "SAFETY"}

# Gemini error `status` -> OpenAI error `type` (anything else is "api_error").
_ERROR_TYPES = {
    "INVALID_ARGUMENT": "invalid_request_error",
    "FAILED_PRECONDITION": "invalid_request_error",
    "OUT_OF_RANGE": "invalid_request_error",
    "UNAUTHENTICATED": "authentication_error",
    "PERMISSION_DENIED": "permission_error",
    "NOT_FOUND": "not_found_error",
    "RESOURCE_EXHAUSTED": "rate_limit_error",
    "DEADLINE_EXCEEDED": "timeout_error",
    "UNAVAILABLE": "service_unavailable",
}


# ---- shared response pieces -------------------------------------------------------------------------


def new_call_id() -> str:
    """An id for a function call Gemini returned without one."""
    return "call_" + uuid.uuid4().hex[:24]


def chunk_id(response_id: Any) -> str:
    return f"chatcmpl-{response_id}" if isinstance(response_id, str) and response_id else new_chatcmpl_id()


def new_chatcmpl_id() -> str:
    return "chatcmpl-" + uuid.uuid4().hex[:24]


def finish_to_openai(reason: str, has_tool_calls: bool) -> str:
    mapped = FINISH_TO_OPENAI.get(reason, "stop")
    return "tool_calls" if mapped == "stop" and has_tool_calls else mapped


def finish_from_openai(reason: str) -> str:
    return FINISH_FROM_OPENAI.get(reason, "STOP" if reason in ("tool_calls", "function_call") else "OTHER")


def parts_text(parts: list[Any]) -> str:
    """The visible text of a candidate: thought summaries (`thought: true`) are left out."""
    return "".join(
        p["text"]
        for p in parts
        if isinstance(p, dict) and isinstance(p.get("text"), str) and not p.get("thought")
    )


def function_call_parts(parts: list[Any]) -> list[Json]:
    return [p for p in parts if isinstance(p, dict) and isinstance(p.get("functionCall"), dict)]


def tool_call_from_part(part: Json) -> Json:
    """A `functionCall` part as an OpenAI tool call. A thought signature is kept where Google's own
    OpenAI-compatible endpoint puts it (`extra_content.google.thought_signature`), so clients that replay
    the tool call verbatim let Gemini 3 models continue their reasoning."""
    fc = part["functionCall"]
    call: Json = {
        "id": fc.get("id") or new_call_id(),
        "type": "function",
        "function": {"name": fc.get("name") or "", "arguments": orjson.dumps(fc.get("args") or {}).decode()},
    }
    if isinstance(part.get("thoughtSignature"), str):
        call["extra_content"] = {"google": {"thought_signature": part["thoughtSignature"]}}
    return call


def function_arguments(text: Any) -> Json:
    """OpenAI tool-call `arguments` (a JSON string) as Gemini `args` (an object). Text that is not a JSON
    object (models sometimes emit broken JSON) is kept, not dropped, as `{"raw_arguments": text}`."""
    if isinstance(text, dict):
        return text
    if not isinstance(text, str) or not text.strip():
        return {}
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return {"raw_arguments": text}
    return value if isinstance(value, dict) else {"raw_arguments": text}


def part_from_tool_call(call: Json) -> Json:
    fn = call.get("function") or {}
    fc: Json = {"name": fn.get("name") or "", "args": function_arguments(fn.get("arguments"))}
    if call.get("id"):
        fc["id"] = call["id"]
    part: Json = {"functionCall": fc}
    signature = ((call.get("extra_content") or {}).get("google") or {}).get("thought_signature")
    if isinstance(signature, str):
        part["thoughtSignature"] = signature
    return part


def usage_to_openai(meta: Any) -> Json | None:
    """`usageMetadata` as OpenAI usage. Thinking tokens count as completion tokens (they are billed as
    output) and tool-use prompt tokens as prompt tokens, so the totals agree with `totalTokenCount`."""
    if not isinstance(meta, dict) or ("promptTokenCount" not in meta and "totalTokenCount" not in meta):
        return None
    prompt = (meta.get("promptTokenCount") or 0) + (meta.get("toolUsePromptTokenCount") or 0)
    thoughts = meta.get("thoughtsTokenCount") or 0
    completion = (meta.get("candidatesTokenCount") or 0) + thoughts
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": meta.get("totalTokenCount") or prompt + completion,
        "prompt_tokens_details": {"cached_tokens": meta.get("cachedContentTokenCount") or 0},
        "completion_tokens_details": {"reasoning_tokens": thoughts},
    }


def usage_from_openai(u: Any) -> Json | None:
    if not isinstance(u, dict) or u.get("prompt_tokens") is None:
        return None
    prompt = u.get("prompt_tokens") or 0
    completion = u.get("completion_tokens") or 0
    thoughts = (u.get("completion_tokens_details") or {}).get("reasoning_tokens") or 0
    cached = (u.get("prompt_tokens_details") or {}).get("cached_tokens") or 0
    meta: Json = {
        "promptTokenCount": prompt,
        "candidatesTokenCount": completion - thoughts,
        "totalTokenCount": u.get("total_tokens") or prompt + completion,
    }
    if thoughts:
        meta["thoughtsTokenCount"] = thoughts
    if cached:
        meta["cachedContentTokenCount"] = cached
    return meta


def gemini_usage(meta: Any) -> Usage | None:
    u = usage_to_openai(meta)
    if u is None:
        return None
    return Usage(
        input_tokens=u["prompt_tokens"],
        output_tokens=u["completion_tokens"],
        cache_read_tokens=u["prompt_tokens_details"]["cached_tokens"],
    )


def error_of(data: Any) -> Json | None:
    """The `{"code", "message", "status"}` object of a Gemini error body (bare or wrapped in a list)."""
    if isinstance(data, list) and data:
        data = data[0]
    if isinstance(data, dict) and isinstance(data.get("error"), dict):
        return data["error"]
    return None


def error_info(data: Any) -> tuple[str, str]:
    """(message, OpenAI error type) of a Gemini error body."""
    err = error_of(data) or {}
    message = err.get("message") if isinstance(err.get("message"), str) else "upstream error"
    return message or "upstream error", _ERROR_TYPES.get(str(err.get("status")), "api_error")


# ---- stream decoder: Gemini events -> OpenAI chunks -------------------------------------------------


class GeminiStreamDecoder:
    __slots__ = ("_calls", "_started", "_usage", "created", "error", "id", "model")

    def __init__(self, model: str) -> None:
        self.model = model
        self.id = ""
        self.created = int(time.time())
        self.error: tuple[str, str] | None = None
        self._usage: Json | None = None
        self._started: set[int] = set()
        self._calls: dict[int, int] = {}  # choice index -> tool calls emitted so far

    def feed(self, event: SseEvent) -> list[Json]:
        data = event.data
        if isinstance(data, list):  # a JSON array of errors, as Gemini sometimes sends
            data = data[0] if data else None
        if not isinstance(data, dict):
            return []
        if "error" in data:
            self.error = error_info(data)
            return []
        if not self.id:
            self.id = chunk_id(data.get("responseId"))
        if isinstance(data.get("usageMetadata"), dict):
            self._usage = data["usageMetadata"]
        candidates = data.get("candidates")
        if not candidates:
            blocked = (data.get("promptFeedback") or {}).get("blockReason")
            return [self._chunk(0, {"content": ""}, "content_filter")] if blocked else []
        chunks = (self._candidate(i, c) for i, c in enumerate(candidates) if isinstance(c, dict))
        return [c for c in chunks if c is not None]

    def close(self) -> list[Json]:
        usage = usage_to_openai(self._usage)
        if usage is None:
            return []
        base = {"id": self.id or new_chatcmpl_id(), "object": "chat.completion.chunk"}
        return [{**base, "created": self.created, "model": self.model, "choices": [], "usage": usage}]

    def _candidate(self, position: int, cand: Json) -> Json | None:
        index = cand.get("index", position)
        parts = (cand.get("content") or {}).get("parts") or []
        delta: Json = {}
        text = parts_text(parts)
        if text:
            delta["content"] = text
        calls = [self._tool_call(index, p) for p in function_call_parts(parts)]
        if calls:
            delta["tool_calls"] = calls
        reason = cand.get("finishReason")
        finish = finish_to_openai(reason, self._calls.get(index, 0) > 0) if reason else None
        if not delta and finish is None:
            return None
        return self._chunk(index, delta, finish)

    def _tool_call(self, choice: int, part: Json) -> Json:
        n = self._calls.get(choice, 0)
        self._calls[choice] = n + 1
        return {"index": n, **tool_call_from_part(part)}

    def _chunk(self, index: int, delta: Json, finish: str | None) -> Json:
        if index not in self._started:
            self._started.add(index)
            delta = {"role": "assistant", **delta}
        choice = {"index": index, "delta": delta, "logprobs": None, "finish_reason": finish}
        return {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "choices": [choice],
        }


# ---- stream encoder: OpenAI chunks -> Gemini events -------------------------------------------------


class GeminiStreamEncoder:
    """OpenAI streams split tool-call arguments into fragments; Gemini sends each call whole, so calls are
    buffered and emitted with the candidate's finishing event. That event is held back until the usage
    chunk (which follows the finish in OpenAI streams) or `close()`, so it carries the final
    `usageMetadata` as Gemini's does. `include_usage` is accepted but not consulted: Gemini streams always
    report usage and a Gemini client has no `stream_options` to ask for it."""

    __slots__ = ("_calls", "_pending", "_response_id", "include_usage", "model")

    def __init__(self, model: str, include_usage: bool) -> None:
        self.model = model
        self.include_usage = include_usage
        self._response_id: str | None = None
        self._calls: dict[int, dict[int, Json]] = {}  # choice index -> tool index -> call being built
        self._pending: list[Json] = []

    def encode(self, chunk: Json) -> list[SseEvent]:
        if self._response_id is None and isinstance(chunk.get("id"), str):
            self._response_id = chunk["id"].removeprefix("chatcmpl-")
        candidates: list[Json] = []
        for choice in chunk.get("choices") or []:
            cand = self._candidate(choice)
            if cand is None:
                continue
            (self._pending if "finishReason" in cand else candidates).append(cand)
        usage = usage_from_openai(chunk.get("usage"))
        if usage is not None:
            candidates, self._pending = candidates + self._pending, []
        if not candidates and usage is None:
            return []
        return [SseEvent(None, self._response(candidates, usage))]

    def close(self) -> list[SseEvent]:
        if not self._pending:
            return []
        pending, self._pending = self._pending, []
        return [SseEvent(None, self._response(pending, None))]

    def error(self, message: str, error_type: str) -> list[SseEvent]:
        return [SseEvent(None, {"error": {"code": 500, "message": message, "status": "INTERNAL"}})]

    def _candidate(self, choice: Json) -> Json | None:
        index = choice.get("index", 0)
        delta = choice.get("delta") or {}
        parts: list[Json] = []
        if isinstance(delta.get("content"), str) and delta["content"]:
            parts.append({"text": delta["content"]})
        for call in delta.get("tool_calls") or []:
            self._buffer(index, call)
        finish = choice.get("finish_reason")
        if finish:
            parts.extend(self._flush(index))
        if not parts and not finish:
            return None
        cand: Json = {"index": index}
        if parts:
            cand["content"] = {"role": "model", "parts": parts}
        if finish:
            cand["finishReason"] = finish_from_openai(finish)
        return cand

    def _buffer(self, choice: int, delta: Json) -> None:
        calls = self._calls.setdefault(choice, {})
        call = calls.setdefault(delta.get("index", len(calls)), {"function": {"name": "", "arguments": ""}})
        if delta.get("id"):
            call["id"] = delta["id"]
        if delta.get("extra_content"):
            call["extra_content"] = delta["extra_content"]
        fn = delta.get("function") or {}
        call["function"]["name"] += fn.get("name") or ""
        call["function"]["arguments"] += fn.get("arguments") or ""

    def _flush(self, choice: int) -> list[Json]:
        calls = self._calls.pop(choice, {})
        return [part_from_tool_call(calls[i]) for i in sorted(calls)]

    def _response(self, candidates: list[Json], usage: Json | None) -> Json:
        out: Json = {"candidates": candidates} if candidates else {}
        if usage is not None:
            out["usageMetadata"] = usage
        out["modelVersion"] = self.model
        if self._response_id:
            out["responseId"] = self._response_id
        return out


# ---- usage of a relayed (untranslated) Gemini stream ------------------------------------------------


class GeminiUsageTracker:
    __slots__ = ("usage",)

    def __init__(self) -> None:
        self.usage: Usage | None = None

    def track(self, event: SseEvent) -> None:
        data = event.data
        if isinstance(data, dict) and isinstance(data.get("usageMetadata"), dict):
            self.usage = gemini_usage(data["usageMetadata"]) or self.usage
