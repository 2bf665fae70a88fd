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

import base64
import time
import uuid
from collections.abc import Iterable
from typing import Any, ClassVar
from urllib.parse import unquote_to_bytes

import orjson

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
    parse_arguments,
    stop_reason,
    tool_use_id,
    usage_of,
)
from bastion.translate.base import Json
from bastion.usage import Usage

DEFAULT_MAX_TOKENS = 4096  # Anthropic requires max_tokens; OpenAI requests may omit it
_EMPTY_SCHEMA: Json = {"type": "object", "properties": {}}


def _texts(blocks: Iterable[Any], sep: str = "\n") -> str:
    """The text of the text blocks / text parts in `blocks`, joined."""
    return sep.join(b["text"] for b in blocks if isinstance(b, dict) and isinstance(b.get("text"), str))


def _text_of(content: Any) -> str:
    """OpenAI message content (string or parts) as plain text."""
    if isinstance(content, str):
        return content
    return _texts(content) if isinstance(content, list) else ""


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


# ---- Anthropic request -> OpenAI request ------------------------------------------------------------


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


def _data_url(url: str) -> tuple[str, str]:
    """ "data:<media type>[;base64],<data>" -> (media type, base64 data)."""
    header, _, data = url[5:].partition(",")
    media_type = header.split(";", 1)[0]
    if ";base64" not in header:
        data = base64.b64encode(unquote_to_bytes(data)).decode()
    return media_type, data


def _image_block(image_url: Any) -> Json | None:
    url = image_url.get("url") if isinstance(image_url, dict) else image_url
    if not isinstance(url, str) or not url:
        return None
    if url.startswith("data:"):
        media_type, data = _data_url(url)
        return {
            "type": "image",
            "source": {"type": "base64", "media_type": media_type or "image/png", "data": data},
        }
    return {"type": "image", "source": {"type": "url", "url": url}}


def _decode_text(data: str) -> str | None:
    try:
        return base64.b64decode(data).decode("utf-8", "replace")
    except ValueError:
        return None  # sent on as base64, for Anthropic to reject with its own message


def _file_block(file: Any) -> Json | None:
    data_url = file.get("file_data") if isinstance(file, dict) else None
    if not isinstance(data_url, str) or not data_url.startswith("data:"):
        return None  # file_id refers to OpenAI's file store
    media_type, data = _data_url(data_url)
    text = _decode_text(data) if media_type == "text/plain" else None
    source: Json = (
        {"type": "text", "media_type": "text/plain", "data": text}
        if text is not None
        else {"type": "base64", "media_type": media_type or "application/pdf", "data": data}
    )
    block: Json = {"type": "document", "source": source}
    if isinstance(file.get("filename"), str):
        block["title"] = file["filename"]
    return block


def _user_blocks(content: Any) -> list[Json]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    blocks: list[Json] = []
    for part in content if isinstance(content, list) else ():
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text" and part.get("text"):
            blocks.append({"type": "text", "text": part["text"]})
        elif kind == "image_url" and (image := _image_block(part.get("image_url"))):
            blocks.append(image)
        elif kind == "file" and (document := _file_block(part.get("file"))):
            blocks.append(document)
    return blocks


def _tool_use(call: Json) -> Json:
    fn = as_dict(call.get("function"))
    return {
        "type": "tool_use",
        "id": tool_use_id(call.get("id")),
        "name": fn.get("name") or "",
        "input": parse_arguments(fn.get("arguments")),
    }


def _assistant_blocks(message: Json) -> list[Json]:
    content = message.get("content")
    text = (
        content
        if isinstance(content, str)
        else _texts(content or (), "")
        if isinstance(content, list)
        else ""
    )
    text = text or (message.get("refusal") or "")
    blocks: list[Json] = [{"type": "text", "text": text}] if text else []
    blocks += [_tool_use(c) for c in message.get("tool_calls") or () if isinstance(c, dict)]
    return blocks


def _tool_result(message: Json) -> Json:
    block: Json = {"type": "tool_result", "tool_use_id": message.get("tool_call_id")}
    text = _text_of(message.get("content"))
    if text:
        block["content"] = text
    return block


def _turn(message: Json) -> tuple[str, list[Json]]:
    """An OpenAI non-system message -> (Anthropic role, content blocks)."""
    role = message.get("role")
    if role == "assistant":
        return "assistant", _assistant_blocks(message)
    if role == "tool":
        return "user", [_tool_result(message)]
    if role == "user":
        return "user", _user_blocks(message.get("content"))
    return "user", []  # legacy "function" messages


def _messages_from_openai(messages: Iterable[Any]) -> tuple[list[str], list[Json]]:
    """-> (system texts, Anthropic messages). Consecutive same-role turns are merged, as Anthropic
    requires alternation; in a user turn, tool_result blocks come first, as Anthropic requires."""
    system: list[str] = []
    turns: list[Json] = []
    for message in messages:
        if not isinstance(message, dict):
            continue
        if message.get("role") in ("system", "developer"):
            if text := _text_of(message.get("content")):
                system.append(text)
            continue
        role, blocks = _turn(message)
        if not blocks:
            continue
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"] += blocks
        else:
            turns.append({"role": role, "content": blocks})
    for turn in turns:
        if turn["role"] == "user":
            turn["content"].sort(key=lambda b: b["type"] != "tool_result")
    _trim_prefill(turns)
    return system, turns


def _trim_prefill(turns: list[Json]) -> None:
    """Anthropic rejects a final assistant turn (a prefill) that ends in whitespace."""
    if not turns or turns[-1]["role"] != "assistant" or turns[-1]["content"][-1]["type"] != "text":
        return
    blocks = turns[-1]["content"]
    text = blocks[-1]["text"].rstrip()
    if text:
        blocks[-1] = {"type": "text", "text": text}
    elif len(blocks) > 1:
        blocks.pop()
    else:
        turns.pop()


def _format_instruction(response_format: Any) -> str | None:
    kind = response_format.get("type") if isinstance(response_format, dict) else None
    if kind == "json_object":
        return "Respond with a single valid JSON object and nothing else."
    if kind == "json_schema":
        spec = response_format.get("json_schema")
        schema = spec.get("schema") if isinstance(spec, dict) else None
        return (
            "Respond with a single JSON object that conforms to this JSON schema, and nothing else:\n"
            + _json(schema or {})
        )
    return None


def _max_tokens(body: Json) -> int:
    for key in ("max_completion_tokens", "max_tokens"):
        value = body.get(key)
        if isinstance(value, int) and value > 0:
            return value
    return DEFAULT_MAX_TOKENS


def _tools_from_openai(tools: Any) -> list[Json]:
    out = []
    for tool in tools if isinstance(tools, list) else ():
        fn = tool.get("function") if isinstance(tool, dict) and tool.get("type") == "function" else None
        if isinstance(fn, dict) and fn.get("name"):
            converted = {"name": fn["name"], "input_schema": fn.get("parameters") or _EMPTY_SCHEMA}
            if fn.get("description"):
                converted["description"] = fn["description"]
            out.append(converted)
    return out


def _tool_choice_from_openai(choice: Any, parallel: Any) -> Json | None:
    if isinstance(choice, dict) and isinstance(choice.get("function"), dict):
        mapped: Json | None = {"type": "tool", "name": choice["function"].get("name")}
    else:
        kind = (
            {"auto": "auto", "required": "any", "none": "none"}.get(choice)
            if isinstance(choice, str)
            else None
        )
        mapped = {"type": kind} if kind else None
    if parallel is False and (mapped is None or mapped["type"] != "none"):
        mapped = {**(mapped or {"type": "auto"}), "disable_parallel_tool_use": True}
    return mapped


def _add_tools_from_openai(body: Json, out: Json) -> None:
    tools = _tools_from_openai(body.get("tools"))
    if not tools:
        return  # Anthropic rejects tool_choice without tools
    out["tools"] = tools
    choice = _tool_choice_from_openai(body.get("tool_choice"), body.get("parallel_tool_calls"))
    if choice is not None:
        out["tool_choice"] = choice


def request_from_openai(body: Json, model: str) -> Json:
    system, messages = _messages_from_openai(body.get("messages") or ())
    if instruction := _format_instruction(body.get("response_format")):
        system.append(instruction)
    out: Json = {"model": model, "max_tokens": _max_tokens(body), "messages": messages}
    if system:
        out["system"] = "\n\n".join(system)
    temperature = body.get("temperature")
    if isinstance(temperature, int | float):
        out["temperature"] = min(max(temperature, 0), 1)
    if body.get("top_p") is not None:
        out["top_p"] = body["top_p"]
    stop = body.get("stop")
    if stop:
        out["stop_sequences"] = [stop] if isinstance(stop, str) else list(stop)
    if body.get("stream"):
        out["stream"] = True
    if isinstance(body.get("user"), str):
        out["metadata"] = {"user_id": body["user"]}
    _add_tools_from_openai(body, out)
    return out


# ---- responses ----------------------------------------------------------------------------------------


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
