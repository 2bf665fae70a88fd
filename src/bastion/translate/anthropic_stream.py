"""Anthropic Messages streams <-> OpenAI `chat.completion.chunk` streams, and the small mappings (stop
reasons, usage, ids, tool arguments) that the non-streaming Anthropic codec shares with them.

Decoder (Anthropic events -> OpenAI chunks):
  message_start -> a first chunk with `delta.role = "assistant"`; text blocks -> `delta.content`;
  tool_use blocks -> `delta.tool_calls` (the OpenAI index counts tool calls only, not content blocks);
  message_delta -> a chunk with `finish_reason`; message_stop (or close) -> one usage-only chunk.
  Thinking, redacted thinking, signatures, citations and server-tool blocks are dropped (OpenAI chat has
  no place for them). An upstream `error` event emits nothing: it is kept as `decoder.error`
  (a `StreamError(message, type)`) so the caller can end the client stream with an error event.

Encoder (OpenAI chunks -> Anthropic events): the full sequence the official SDK accumulates:
  message_start, content_block_start/delta/stop per text or tool_use block, message_delta, message_stop.
  Anthropic streams always carry usage, so `include_usage` is not needed: input tokens unknown at
  message_start are sent as 0 there and as real numbers in message_delta (the SDK merges them).
"""

from __future__ import annotations

import time
import uuid
from types import MappingProxyType
from typing import Any, NamedTuple

import orjson

from bastion.sse import SseEvent
from bastion.translate.base import Json
from bastion.usage import Usage

_FINISH_OF_STOP = MappingProxyType(
    {
        "end_turn": "stop",
        "stop_sequence": "stop",
        "pause_turn": "stop",
        "max_tokens": "length",
        "model_context_window_exceeded": "length",
        "tool_use": "tool_calls",
        "refusal": "content_filter",
    }
)
_STOP_OF_FINISH = MappingProxyType(
    {
        "stop": "end_turn",
        "length": "max_tokens",
        "tool_calls": "tool_use",
        "function_call": "tool_use",
        "content_filter": "refusal",
    }
)


# ---- shared mappings -------------------------------------------------------------------------------


def finish_reason(stop: Any) -> str:
    """Anthropic `stop_reason` -> OpenAI `finish_reason` (unknown or missing -> "stop")."""
    return _FINISH_OF_STOP.get(stop, "stop") if isinstance(stop, str) else "stop"


def stop_reason(finish: Any, has_tool_calls: bool) -> str:
    """OpenAI `finish_reason` -> Anthropic `stop_reason`. Providers that say "stop" after calling tools
    are reported as "tool_use", since Anthropic clients loop on that value."""
    reason = _STOP_OF_FINISH.get(finish, "end_turn") if isinstance(finish, str) else "end_turn"
    return "tool_use" if finish == "stop" and has_tool_calls else reason


def _int(value: Any) -> int:
    return value if isinstance(value, int) else 0


def as_dict(value: Any) -> Json:
    """`value` if it is a JSON object, else an empty one (bodies come from clients and upstreams)."""
    return value if isinstance(value, dict) else {}


def openai_usage(usage: Json) -> Json:
    """Anthropic usage -> OpenAI usage. OpenAI's prompt_tokens includes cached tokens, so it is the sum of
    input, cache-read and cache-write tokens."""
    cached = _int(usage.get("cache_read_input_tokens"))
    prompt = _int(usage.get("input_tokens")) + cached + _int(usage.get("cache_creation_input_tokens"))
    completion = _int(usage.get("output_tokens"))
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": cached},
    }


def anthropic_usage(usage: Json) -> Json:
    """OpenAI usage -> Anthropic usage: cached prompt tokens become cache reads, the rest input tokens."""
    details = usage.get("prompt_tokens_details")
    cached = _int(details.get("cached_tokens")) if isinstance(details, dict) else 0
    return {
        "input_tokens": max(_int(usage.get("prompt_tokens")) - cached, 0),
        "output_tokens": _int(usage.get("completion_tokens")),
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": cached,
    }


def usage_of(usage: Any) -> Usage | None:
    """Anthropic usage -> Bastion Usage. As for OpenAI, `input_tokens` counts every prompt token
    (uncached + cache reads + cache writes); the cache counts are also reported on their own."""
    if not isinstance(usage, dict):
        return None
    read = _int(usage.get("cache_read_input_tokens"))
    write = _int(usage.get("cache_creation_input_tokens"))
    uncached, output = usage.get("input_tokens"), usage.get("output_tokens")
    return Usage(
        input_tokens=uncached + read + write if isinstance(uncached, int) else None,
        output_tokens=output if isinstance(output, int) else None,
        cache_read_tokens=read,
        cache_write_tokens=write,
    )


def message_id(openai_id: Any) -> str:
    """An Anthropic-style message id ("msg_...") for an OpenAI completion id."""
    if isinstance(openai_id, str) and openai_id:
        return openai_id if openai_id.startswith("msg_") else "msg_" + openai_id
    return "msg_" + uuid.uuid4().hex


def tool_use_id(openai_id: Any) -> str:
    return openai_id if isinstance(openai_id, str) and openai_id else "toolu_" + uuid.uuid4().hex


def parse_arguments(raw: Any) -> Json:
    """OpenAI tool-call arguments (a JSON string) -> Anthropic tool input (an object).
    Anything that is not a JSON object is kept as `{"_raw": <the string>}`."""
    if isinstance(raw, dict):
        return raw
    if not isinstance(raw, str) or not raw.strip():
        return {}
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return {"_raw": raw}
    return value if isinstance(value, dict) else {"_raw": raw}


def _merge_usage(into: Json, usage: Any) -> None:
    """Anthropic stream usage counts are cumulative: later non-null values replace earlier ones."""
    if isinstance(usage, dict):
        into.update((k, v) for k, v in usage.items() if isinstance(v, int))


# ---- decoder: Anthropic events -> OpenAI chunks -----------------------------------------------------


class StreamError(NamedTuple):
    """An `error` event received from the upstream Anthropic stream."""

    message: str
    type: str


class AnthropicStreamDecoder:
    __slots__ = ("_created", "_id", "_model", "_tools", "_usage", "_usage_sent", "error")

    def __init__(self, model: str) -> None:
        self._model = model
        self._id = "chatcmpl-" + uuid.uuid4().hex
        self._created = int(time.time())
        self._tools: dict[int, int] = {}  # Anthropic content-block index -> OpenAI tool_call index
        self._usage: Json = {}
        self._usage_sent = False
        self.error: StreamError | None = None

    def feed(self, event: SseEvent) -> list[Json]:
        data = event.data
        if not isinstance(data, dict):
            return []
        match data.get("type") or event.event:
            case "message_start":
                return self._message_start(data.get("message"))
            case "content_block_start":
                return self._block_start(data.get("index"), data.get("content_block"))
            case "content_block_delta":
                return self._block_delta(data.get("index"), data.get("delta"))
            case "message_delta":
                return self._message_delta(data)
            case "message_stop":
                return self._usage_chunk()
            case "error":
                self._error(data.get("error"))
        return []  # ping, content_block_stop, error, and event types added later

    def close(self) -> list[Json]:
        return self._usage_chunk()

    def _message_start(self, message: Any) -> list[Json]:
        if isinstance(message, dict):
            if isinstance(message.get("id"), str):
                self._id = message["id"]
            _merge_usage(self._usage, message.get("usage"))
        return [self._chunk({"role": "assistant", "content": ""})]

    def _block_start(self, index: Any, block: Any) -> list[Json]:
        if not isinstance(block, dict):
            return []
        if block.get("type") == "text":
            return self._text(block.get("text"))
        if block.get("type") != "tool_use" or not isinstance(index, int):
            return []  # thinking, redacted_thinking, server_tool_use, *_tool_result
        position = self._tools[index] = len(self._tools)
        tool_input = block.get("input")
        call = {
            "index": position,
            "id": block.get("id"),
            "type": "function",
            "function": {
                "name": block.get("name"),
                "arguments": orjson.dumps(tool_input).decode() if tool_input else "",
            },
        }
        return [self._chunk({"tool_calls": [call]})]

    def _block_delta(self, index: Any, delta: Any) -> list[Json]:
        if not isinstance(delta, dict):
            return []
        if delta.get("type") == "text_delta":
            return self._text(delta.get("text"))
        partial = delta.get("partial_json")
        if delta.get("type") != "input_json_delta" or not partial or index not in self._tools:
            return []  # thinking_delta, signature_delta, citations_delta, server-tool input
        return [
            self._chunk({"tool_calls": [{"index": self._tools[index], "function": {"arguments": partial}}]})
        ]

    def _message_delta(self, data: Json) -> list[Json]:
        _merge_usage(self._usage, data.get("usage"))
        delta = data.get("delta")
        stop = delta.get("stop_reason") if isinstance(delta, dict) else None
        return [self._chunk({}, finish_reason(stop))] if stop else []

    def _error(self, error: Any) -> None:
        error = error if isinstance(error, dict) else {}
        message, kind = error.get("message"), error.get("type")
        self.error = StreamError(
            message if isinstance(message, str) else "upstream stream error",
            kind if isinstance(kind, str) else "api_error",
        )

    def _text(self, text: Any) -> list[Json]:
        return [self._chunk({"content": text})] if isinstance(text, str) and text else []

    def _usage_chunk(self) -> list[Json]:
        if self._usage_sent or not self._usage:
            return []
        self._usage_sent = True
        return [{**self._envelope(), "choices": [], "usage": openai_usage(self._usage)}]

    def _chunk(self, delta: Json, finish: str | None = None) -> Json:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return {**self._envelope(), "choices": [choice]}

    def _envelope(self) -> Json:
        return {
            "id": self._id,
            "object": "chat.completion.chunk",
            "created": self._created,
            "model": self._model,
        }


# ---- encoder: OpenAI chunks -> Anthropic events -----------------------------------------------------


def _event(data: Json) -> SseEvent:
    return SseEvent(data["type"], data, None)


class AnthropicStreamEncoder:
    __slots__ = (
        "_block",
        "_closed",
        "_delta_sent",
        "_finish",
        "_model",
        "_next_index",
        "_started",
        "_tool_blocks",
        "_tool_ids",
        "_usage",
    )

    def __init__(self, model: str) -> None:
        self._model = model
        self._started = False
        self._block: str | None = None  # kind of the open content block: "text", "tool_use" or None
        self._next_index = 0  # index of the next content block
        self._tool_blocks: dict[int, int] = {}  # OpenAI tool_call index -> content-block index
        self._tool_ids: dict[str, int] = {}  # tool-call id -> OpenAI index (for servers that omit it)
        self._finish: str | None = None
        self._usage: Json | None = None
        self._delta_sent = False
        self._closed = False

    def encode(self, chunk: Json) -> list[SseEvent]:
        out = [] if self._started else [self._message_start(chunk)]
        for choice in chunk.get("choices") or ():
            if isinstance(choice, dict) and choice.get("index", 0) == 0:
                out += self._choice(choice)
        if isinstance(chunk.get("usage"), dict):
            self._usage = chunk["usage"]
        # usage usually comes in a usage-only chunk after the finish_reason: hold message_delta for it
        if self._finish is not None and self._usage is not None and not self._delta_sent:
            out.append(self._message_delta())
        return out

    def close(self) -> list[SseEvent]:
        if self._closed:
            return []
        self._closed = True
        out = [] if self._started else [self._message_start({})]
        out += self._close_block()
        if not self._delta_sent:
            out.append(self._message_delta())
        out.append(_event({"type": "message_stop"}))
        return out

    def error(self, message: str, error_type: str) -> list[SseEvent]:
        return [_event({"type": "error", "error": {"type": error_type, "message": message}})]

    def _message_start(self, chunk: Json) -> SseEvent:
        self._started = True
        usage = chunk.get("usage")
        start_usage = anthropic_usage(usage) if isinstance(usage, dict) else {"input_tokens": 0}
        start_usage["output_tokens"] = 0
        message: Json = {
            "id": message_id(chunk.get("id")),
            "type": "message",
            "role": "assistant",
            "model": self._model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": start_usage,
        }
        return _event({"type": "message_start", "message": message})

    def _choice(self, choice: Json) -> list[SseEvent]:
        out: list[SseEvent] = []
        delta = choice.get("delta")
        if isinstance(delta, dict):
            for key in ("content", "refusal"):
                if isinstance(delta.get(key), str) and delta[key]:
                    out += self._text(delta[key])
            for call in delta.get("tool_calls") or ():
                if isinstance(call, dict):
                    out += self._tool_call(call)
        if choice.get("finish_reason"):
            self._finish = choice["finish_reason"]
            out += self._close_block()
        return out

    def _text(self, text: str) -> list[SseEvent]:
        out = (
            [] if self._block == "text" else [*self._close_block(), self._open({"type": "text", "text": ""})]
        )
        index = self._next_index - 1
        out.append(
            _event(
                {"type": "content_block_delta", "index": index, "delta": {"type": "text_delta", "text": text}}
            )
        )
        return out

    def _tool_call(self, call: Json) -> list[SseEvent]:
        key, call_id = self._tool_key(call), call.get("id")
        fn = as_dict(call.get("function"))
        out: list[SseEvent] = []
        if key not in self._tool_blocks:
            name = fn.get("name") if isinstance(fn.get("name"), str) else ""
            block: Json = {"type": "tool_use", "id": tool_use_id(call_id), "name": name, "input": {}}
            out += self._close_block()
            out.append(self._open(block))
            self._tool_blocks[key] = self._next_index - 1
            if isinstance(call_id, str):
                self._tool_ids[call_id] = key
        arguments = fn.get("arguments")
        if isinstance(arguments, str) and arguments:
            # OpenAI streams tool calls one after another; a late fragment of an earlier call still goes
            # to that call's block, so the accumulated input stays whole
            delta = {"type": "input_json_delta", "partial_json": arguments}
            out.append(
                _event({"type": "content_block_delta", "index": self._tool_blocks[key], "delta": delta})
            )
        return out

    def _tool_key(self, call: Json) -> int:
        """The OpenAI tool-call index; servers that omit it are followed by call id (a fragment without an
        id continues the latest call)."""
        if isinstance(call.get("index"), int):
            return int(call["index"])
        call_id = call.get("id")
        if isinstance(call_id, str) and call_id:
            return self._tool_ids.get(call_id, len(self._tool_blocks))
        return max(len(self._tool_blocks) - 1, 0)

    def _open(self, block: Json) -> SseEvent:
        self._block = block["type"]
        self._next_index += 1
        return _event({"type": "content_block_start", "index": self._next_index - 1, "content_block": block})

    def _close_block(self) -> list[SseEvent]:
        if self._block is None:
            return []
        self._block = None
        return [_event({"type": "content_block_stop", "index": self._next_index - 1})]

    def _message_delta(self) -> SseEvent:
        self._delta_sent = True
        usage = anthropic_usage(self._usage) if self._usage is not None else {"output_tokens": 0}
        delta = {"stop_reason": stop_reason(self._finish, bool(self._tool_blocks)), "stop_sequence": None}
        return _event({"type": "message_delta", "delta": delta, "usage": usage})


# ---- usage of a relayed (untranslated) Anthropic stream ---------------------------------------------


class AnthropicUsageTracker:
    __slots__ = ("_raw", "usage")

    def __init__(self) -> None:
        self._raw: Json = {}
        self.usage: Usage | None = None

    def track(self, event: SseEvent) -> None:
        data = event.data
        if not isinstance(data, dict):
            return
        kind = data.get("type")
        if kind == "message_start" and isinstance(data.get("message"), dict):
            _merge_usage(self._raw, data["message"].get("usage"))
        elif kind == "message_delta":
            _merge_usage(self._raw, data.get("usage"))
        else:
            return
        self.usage = usage_of(self._raw)
