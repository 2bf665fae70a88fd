"""Anthropic Messages <-> OpenAI chat completions (the hub). Streams live in `anthropic_stream`.

Lossy mappings, by direction:

Anthropic -> OpenAI request
  - thinking / redacted_thinking blocks and the `thinking` setting are dropped (OpenAI chat has no place
    for them, and their signatures only mean something to Anthropic); so are `top_k`, `cache_control`,
    server tools (web search, code execution, ...) and their blocks, and Anthropic-only settings
    (`service_tier`, `container`, `mcp_servers`, ...).
  - an assistant turn's text blocks are joined into one string; a tool_result becomes a `role: tool`
    message whose text is prefixed "Error: " when `is_error`; images inside a tool_result move to the
    user message that follows the tool messages (OpenAI tool messages hold text only).
  - documents: base64 PDFs -> `file` parts; plain-text and content documents -> text parts; URL and
    Files-API documents -> a text line naming the document (OpenAI chat cannot fetch them).
  - `max_tokens` is sent as `max_tokens` (understood by every OpenAI-compatible server).

OpenAI -> Anthropic request
  - system and developer messages (wherever they are) are joined into `system`; `response_format`
    json_object / json_schema becomes an extra system instruction.
  - `temperature` is clamped to Anthropic's 0..1; `n`, `seed`, penalties, logprobs, logit_bias,
    `reasoning_effort`, `stream_options` and non-function tools are dropped (`n` > 1 yields one choice).
  - audio parts and `file_id` files are dropped; legacy `function_call` / `function` messages are not
    translated.

Responses: thinking blocks are dropped; OpenAI cannot say which stop sequence matched, so
`stop_sequence` is always null and "stop" maps to end_turn; cache writes count as prompt tokens.
`usage()` follows the OpenAI codec: `Usage.input_tokens` counts every prompt token (uncached + cache
reads + cache writes), with the cache counts also given on their own.
"""

from __future__ import annotations

import time
import uuid
from typing import Any, ClassVar

import orjson

from bastion.translate.anthropic_request import (
    _EMPTY_SCHEMA,
    _assistant_blocks,
    _json,
    _texts,
    request_from_openai,
)
from bastion.translate.anthropic_stream import (
    AnthropicStreamDecoder,
    AnthropicStreamEncoder,
    AnthropicUsageTracker,
    StreamError,
    anthropic_usage,
    as_dict,
    finish_reason,
    message_id,
    openai_usage,
    stop_reason,
    usage_of,
)
from bastion.translate.base import Json
from bastion.usage import Usage


def _system_to_openai(system: Any) -> list[Json]:
    text = system if isinstance(system, str) else _texts(system) if isinstance(system, list) else ""
    return [{"role": "system", "content": text}] if text else []


def _image_url(source: Any) -> str | None:
    if not isinstance(source, dict):
        return None
    if source.get("type") == "base64":
        return f"data:{source.get('media_type', 'image/png')};base64,{source.get('data', '')}"
    return source.get("url") if source.get("type") == "url" else None  # Files-API ids do not carry over


def _document_to_openai(block: Json) -> Json | None:
    source = as_dict(block.get("source"))
    title = block.get("title") if isinstance(block.get("title"), str) else None
    kind = source.get("type")
    if kind == "base64":
        data_url = f"data:{source.get('media_type', 'application/pdf')};base64,{source.get('data', '')}"
        return {"type": "file", "file": {"filename": title or "document.pdf", "file_data": data_url}}
    if kind == "text":
        text = source.get("data", "")
    elif kind == "content":
        content = source.get("content")
        text = content if isinstance(content, str) else _texts(content or ())
    elif kind in ("url", "file"):
        text = f"[document: {source.get('url') or source.get('file_id')}]"
    else:
        return None
    return {"type": "text", "text": f"{title}\n\n{text}" if title else text}


def _part_to_openai(block: Json) -> Json | None:
    kind = block.get("type")
    if kind == "text":
        return {"type": "text", "text": block.get("text", "")}
    if kind == "image":
        url = _image_url(block.get("source"))
        return {"type": "image_url", "image_url": {"url": url}} if url else None
    if kind == "document":
        return _document_to_openai(block)
    return None  # thinking, redacted_thinking, server-tool blocks, ...


def _tool_message(block: Json) -> tuple[Json, list[Json]]:
    """A tool_result block -> (the `role: tool` message, its image parts for the next user message)."""
    content = block.get("content")
    blocks = content if isinstance(content, list) else []
    text = content if isinstance(content, str) else _texts(blocks)
    if block.get("is_error"):
        text = "Error: " + text
    images = [
        p for b in blocks if isinstance(b, dict) and b.get("type") == "image" and (p := _part_to_openai(b))
    ]
    return {"role": "tool", "tool_call_id": block.get("tool_use_id"), "content": text}, images


def _user_to_openai(blocks: list[Json]) -> list[Json]:
    out: list[Json] = []
    parts: list[Json] = []
    for block in blocks:
        if block.get("type") == "tool_result":
            message, images = _tool_message(block)
            out.append(message)
            parts += images
        elif (part := _part_to_openai(block)) is not None:
            parts.append(part)
    if parts or not out:
        single_text = len(parts) == 1 and parts[0]["type"] == "text"
        out.append({"role": "user", "content": parts[0]["text"] if single_text else parts or ""})
    return out


def _tool_call(block: Json) -> Json:
    arguments = _json(block.get("input") or {})
    return {
        "id": block.get("id"),
        "type": "function",
        "function": {"name": block.get("name"), "arguments": arguments},
    }


def _assistant_to_openai(blocks: list[Json]) -> Json:
    text = _texts((b for b in blocks if b.get("type") == "text"), "")
    calls = [_tool_call(b) for b in blocks if b.get("type") == "tool_use"]
    message: Json = {"role": "assistant", "content": text or (None if calls else "")}
    if calls:
        message["tool_calls"] = calls
    return message


def _message_to_openai(message: Any) -> list[Json]:
    if not isinstance(message, dict):
        return []
    role, content = message.get("role"), message.get("content")
    if isinstance(content, str):
        return [{"role": role, "content": content}]
    blocks = [b for b in content or () if isinstance(b, dict)]
    return [_assistant_to_openai(blocks)] if role == "assistant" else _user_to_openai(blocks)


def _tools_to_openai(tools: Any) -> list[Json]:
    out = []
    for tool in tools if isinstance(tools, list) else ():
        if isinstance(tool, dict) and tool.get("type", "custom") == "custom" and tool.get("name"):
            fn = {"name": tool["name"], "parameters": tool.get("input_schema") or _EMPTY_SCHEMA}
            if tool.get("description"):
                fn["description"] = tool["description"]
            out.append({"type": "function", "function": fn})
    return out


def _tool_choice_to_openai(choice: Json) -> Any:
    kind = choice.get("type")
    if kind == "tool":
        return {"type": "function", "function": {"name": choice.get("name")}}
    return {"auto": "auto", "any": "required", "none": "none"}.get(kind) if isinstance(kind, str) else None


def _add_tools_to_openai(body: Json, out: Json) -> None:
    tools = _tools_to_openai(body.get("tools"))
    if not tools:
        return
    out["tools"] = tools
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        if (mapped := _tool_choice_to_openai(choice)) is not None:
            out["tool_choice"] = mapped
        if choice.get("disable_parallel_tool_use"):
            out["parallel_tool_calls"] = False


def request_to_openai(body: Json) -> Json:
    messages = _system_to_openai(body.get("system"))
    for message in body.get("messages") or ():
        messages += _message_to_openai(message)
    out: Json = {"model": body["model"]} if "model" in body else {}
    out["messages"] = messages
    for key in ("max_tokens", "temperature", "top_p"):
        if body.get(key) is not None:
            out[key] = body[key]
    if body.get("stop_sequences"):
        out["stop"] = list(body["stop_sequences"])
    if body.get("stream"):
        out["stream"] = True
        out["stream_options"] = {"include_usage": True}
    metadata = body.get("metadata")
    if isinstance(metadata, dict) and isinstance(metadata.get("user_id"), str):
        out["user"] = metadata["user_id"]
    _add_tools_to_openai(body, out)
    return out


# ---- OpenAI request -> Anthropic request ------------------------------------------------------------


def response_to_openai(body: Json, model: str) -> Json:
    blocks = [b for b in body.get("content") or () if isinstance(b, dict)]
    text = _texts((b for b in blocks if b.get("type") == "text"), "")
    calls = [_tool_call(b) for b in blocks if b.get("type") == "tool_use"]
    message: Json = {"role": "assistant", "content": text or (None if calls else ""), "refusal": None}
    if calls:
        message["tool_calls"] = calls
    choice = {
        "index": 0,
        "message": message,
        "logprobs": None,
        "finish_reason": finish_reason(body.get("stop_reason")),
    }
    out: Json = {
        "id": body.get("id") or "chatcmpl-" + uuid.uuid4().hex,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model or body.get("model"),
        "choices": [choice],
    }
    if isinstance(body.get("usage"), dict):
        out["usage"] = openai_usage(body["usage"])
    return out


def response_from_openai(body: Json, model: str) -> Json:
    choices = body.get("choices")
    choice = choices[0] if isinstance(choices, list) and choices and isinstance(choices[0], dict) else {}
    message = as_dict(choice.get("message"))
    content = _assistant_blocks(message)
    has_calls = any(b["type"] == "tool_use" for b in content)
    usage = body.get("usage")
    return {
        "id": message_id(body.get("id")),
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop_reason(choice.get("finish_reason"), has_calls),
        "stop_sequence": None,
        "usage": anthropic_usage(usage if isinstance(usage, dict) else {}),
    }


def error_message(body: bytes) -> str:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return body[:500].decode("utf-8", "replace") or "upstream error"
    data = as_dict(data)
    err = data.get("error")
    for message in (as_dict(err).get("message"), err, data.get("message")):
        if isinstance(message, str) and message:
            return message
    return "upstream error"


class AnthropicCodec:
    name: ClassVar[str] = "anthropic"

    def request_to_openai(self, body: Json) -> Json:
        return request_to_openai(body)

    def request_from_openai(self, body: Json, model: str) -> Json:
        return request_from_openai(body, model)

    def response_to_openai(self, body: Json, model: str) -> Json:
        return response_to_openai(body, model)

    def response_from_openai(self, body: Json, model: str) -> Json:
        return response_from_openai(body, model)

    def stream_decoder(self, model: str) -> AnthropicStreamDecoder:
        """See `AnthropicStreamDecoder`: an upstream `error` event is exposed as `decoder.error`."""
        return AnthropicStreamDecoder(model)

    def stream_encoder(self, model: str, include_usage: bool) -> AnthropicStreamEncoder:
        """Anthropic streams always report usage, so `include_usage` changes nothing."""
        return AnthropicStreamEncoder(model)

    def usage(self, body: Json) -> Usage | None:
        return usage_of(body.get("usage"))

    def usage_tracker(self) -> AnthropicUsageTracker:
        return AnthropicUsageTracker()

    def error_message(self, body: bytes) -> str:
        return error_message(body)


__all__ = ["AnthropicCodec", "StreamError"]
