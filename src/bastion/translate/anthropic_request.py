"""OpenAI chat request -> Anthropic Messages request (the lossy mappings are listed in anthropic.py)."""

from __future__ import annotations

import base64
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote_to_bytes

import orjson

from bastion.translate.anthropic_stream import (
    as_dict,
    parse_arguments,
    tool_use_id,
)
from bastion.translate.base import Json

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
