"""Anthropic stream events -> OpenAI chunks (the stream decoder), and the usage tracker of same-format
streams."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from openai.lib.streaming.chat import ChatCompletionStreamState
from openai.types.chat import ChatCompletionChunk

from bastion.sse import SseEvent
from bastion.translate.anthropic import StreamError
from bastion.usage import Usage
from translate.anthropic_cases import (
    Json,
    anthropic_tool_stream,
    codec,
    decode,
    message_start,
    parse_sse,
    sse,
    text,
)


def deltas(chunks: list[Json]) -> list[Any]:
    return [
        (c["choices"][0]["delta"], c["choices"][0]["finish_reason"]) if c["choices"] else c["usage"]
        for c in chunks
    ]


def test_decoder_tool_stream_chunks() -> None:
    chunks, decoder = decode(anthropic_tool_stream())
    assert deltas(chunks) == [
        ({"role": "assistant", "content": ""}, None),
        ({"content": "Let me "}, None),
        ({"content": "check."}, None),
        (
            {
                "tool_calls": [
                    {
                        "index": 0,
                        "id": "toolu_A",
                        "type": "function",
                        "function": {"name": "weather", "arguments": ""},
                    }
                ]
            },
            None,
        ),
        ({"tool_calls": [{"index": 0, "function": {"arguments": '{"city": "Os'}}]}, None),
        ({"tool_calls": [{"index": 0, "function": {"arguments": 'lo"}'}}]}, None),
        (
            {
                "tool_calls": [
                    {
                        "index": 1,
                        "id": "toolu_B",
                        "type": "function",
                        "function": {"name": "time", "arguments": ""},
                    }
                ]
            },
            None,
        ),
        ({"tool_calls": [{"index": 1, "function": {"arguments": '{"tz": "CET"}'}}]}, None),
        ({}, "tool_calls"),
        {
            "prompt_tokens": 502,
            "completion_tokens": 89,
            "total_tokens": 591,
            "prompt_tokens_details": {"cached_tokens": 30},
        },
    ]
    assert decoder.error is None
    assert {(c["id"], c["object"], c["model"]) for c in chunks} == {
        ("msg_01X", "chat.completion.chunk", "alias")
    }


def test_decoder_output_accumulates_in_openai_sdk() -> None:
    chunks, _ = decode(anthropic_tool_stream())
    state: ChatCompletionStreamState[Any] = ChatCompletionStreamState()
    for chunk in chunks:
        list(state.handle_chunk(ChatCompletionChunk.model_validate(chunk)))
    final = state.get_final_completion()
    message = final.choices[0].message
    assert message.content == "Let me check."
    assert [
        (t.id, t.function.name, orjson.loads(t.function.arguments)) for t in message.tool_calls or []
    ] == [
        ("toolu_A", "weather", {"city": "Oslo"}),
        ("toolu_B", "time", {"tz": "CET"}),
    ]
    assert final.choices[0].finish_reason == "tool_calls"
    assert final.usage is not None and (final.usage.prompt_tokens, final.usage.completion_tokens) == (502, 89)


@pytest.mark.parametrize(
    ("stop", "finish"),
    [
        ("end_turn", "stop"),
        ("max_tokens", "length"),
        ("stop_sequence", "stop"),
        ("refusal", "content_filter"),
    ],
)
def test_decoder_finish_reasons(stop: str, finish: str) -> None:
    data = message_start({"input_tokens": 5, "output_tokens": 1}) + sse(
        "message_delta",
        {"delta": {"stop_reason": stop, "stop_sequence": None}, "usage": {"output_tokens": 7}},
    )
    chunks, _ = decode(data + sse("message_stop", {}))
    assert deltas(chunks)[-2:] == [
        ({}, finish),
        {
            "prompt_tokens": 5,
            "completion_tokens": 7,
            "total_tokens": 12,
            "prompt_tokens_details": {"cached_tokens": 0},
        },
    ]


def test_decoder_remembers_upstream_error_and_emits_nothing_for_it() -> None:
    data = (
        message_start({"input_tokens": 5, "output_tokens": 1})
        + sse("content_block_start", {"index": 0, "content_block": text("")})
        + sse("content_block_delta", {"index": 0, "delta": {"type": "text_delta", "text": "Hi"}})
        + sse("error", {"error": {"type": "overloaded_error", "message": "Overloaded"}})
    )
    chunks, decoder = decode(data)
    assert deltas(chunks)[:2] == [({"role": "assistant", "content": ""}, None), ({"content": "Hi"}, None)]
    assert not any(c["choices"] and c["choices"][0]["finish_reason"] for c in chunks)
    assert decoder.error == StreamError("Overloaded", "overloaded_error")
    assert decoder.error.message == "Overloaded" and decoder.error.type == "overloaded_error"


def test_decoder_close_emits_usage_once() -> None:
    decoder = codec.stream_decoder("alias")
    for event in parse_sse(anthropic_tool_stream()):
        decoder.feed(event)
    assert decoder.close() == []
    assert codec.stream_decoder("alias").close() == []


def test_decoder_ignores_unparsed_and_unknown_events() -> None:
    decoder = codec.stream_decoder("m")
    assert decoder.feed(SseEvent("message_start", None, b"{oops")) == []
    assert decoder.feed(SseEvent.of({"type": "future_event"}, "future_event")) == []
    assert (
        decoder.feed(
            SseEvent.of({"type": "content_block_delta", "index": 9, "delta": {"type": "citations_delta"}})
        )
        == []
    )


def test_usage_tracker_reads_start_and_delta() -> None:
    tracker = codec.usage_tracker()
    assert tracker.usage is None
    for event in parse_sse(anthropic_tool_stream()):
        tracker.track(event)
    assert tracker.usage == Usage(472 + 30 + 0, 89, cache_read_tokens=30, cache_write_tokens=0)
