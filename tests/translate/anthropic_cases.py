"""Builders and constants shared by the Anthropic translation test modules."""

from __future__ import annotations

from typing import Any

from bastion.translate.anthropic import AnthropicCodec

Json = dict[str, Any]
codec = AnthropicCodec()
SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
PNG = "iVBORw0KGgo="


def areq(messages: list[Json], **extra: Any) -> Json:
    return {"model": "claude-sonnet-4-5", "max_tokens": 256, "messages": messages, **extra}


def oreq(messages: list[Json], **extra: Any) -> Json:
    return {"model": "gpt-x", "messages": messages, **extra}


def user(content: Any) -> Json:
    return {"role": "user", "content": content}


def assistant(content: Any, **extra: Any) -> Json:
    return {"role": "assistant", "content": content, **extra}


def text(t: str) -> Json:
    return {"type": "text", "text": t}


def tool_use(id_: str, name: str, input_: Json) -> Json:
    return {"type": "tool_use", "id": id_, "name": name, "input": input_}


def call(id_: str, name: str, arguments: str) -> Json:
    return {"id": id_, "type": "function", "function": {"name": name, "arguments": arguments}}
