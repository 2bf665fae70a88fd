"""Builders and constants shared by the Anthropic translation test modules."""

from __future__ import annotations

from typing import Any

import orjson

from bastion.sse import SseEvent, SseParser
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


# ---- Anthropic streams (upstream side) ---------------------------------------------------------------


def sse(event: str, data: Json) -> bytes:
    return b"event: " + event.encode() + b"\ndata: " + orjson.dumps({"type": event, **data}) + b"\n\n"


def message_start(usage: Json) -> bytes:
    message = {
        "id": "msg_01X",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5",
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": usage,
    }
    return sse("message_start", {"message": message})


def anthropic_tool_stream() -> bytes:
    """A realistic stream: thinking, text, then two tool calls (content blocks 0..3)."""
    usage = {
        "input_tokens": 472,
        "output_tokens": 2,
        "cache_read_input_tokens": 30,
        "cache_creation_input_tokens": 0,
    }
    return b"".join(
        [
            message_start(usage),
            sse(
                "content_block_start",
                {"index": 0, "content_block": {"type": "thinking", "thinking": "", "signature": ""}},
            ),
            b'event: ping\ndata: {"type": "ping"}\n\n',
            sse(
                "content_block_delta",
                {"index": 0, "delta": {"type": "thinking_delta", "thinking": "weather..."}},
            ),
            sse(
                "content_block_delta", {"index": 0, "delta": {"type": "signature_delta", "signature": "EqQB"}}
            ),
            sse("content_block_stop", {"index": 0}),
            sse("content_block_start", {"index": 1, "content_block": {"type": "text", "text": ""}}),
            sse("content_block_delta", {"index": 1, "delta": {"type": "text_delta", "text": "Let me "}}),
            sse("content_block_delta", {"index": 1, "delta": {"type": "text_delta", "text": "check."}}),
            sse("content_block_stop", {"index": 1}),
            sse("content_block_start", {"index": 2, "content_block": tool_use("toolu_A", "weather", {})}),
            sse(
                "content_block_delta", {"index": 2, "delta": {"type": "input_json_delta", "partial_json": ""}}
            ),
            sse(
                "content_block_delta",
                {"index": 2, "delta": {"type": "input_json_delta", "partial_json": '{"city": "Os'}},
            ),
            sse(
                "content_block_delta",
                {"index": 2, "delta": {"type": "input_json_delta", "partial_json": 'lo"}'}},
            ),
            sse("content_block_stop", {"index": 2}),
            sse("content_block_start", {"index": 3, "content_block": tool_use("toolu_B", "time", {})}),
            sse(
                "content_block_delta",
                {"index": 3, "delta": {"type": "input_json_delta", "partial_json": '{"tz": "CET"}'}},
            ),
            sse("content_block_stop", {"index": 3}),
            sse(
                "message_delta",
                {"delta": {"stop_reason": "tool_use", "stop_sequence": None}, "usage": {"output_tokens": 89}},
            ),
            sse("message_stop", {}),
        ]
    )


def parse_sse(data: bytes) -> list[SseEvent]:
    parser = SseParser()
    return parser.feed(data) + parser.close()


def decode(data: bytes, model: str = "alias") -> tuple[list[Json], Any]:
    decoder = codec.stream_decoder(model)
    chunks = [c for e in parse_sse(data) for c in decoder.feed(e)]
    return chunks + decoder.close(), decoder
