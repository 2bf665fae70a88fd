"""OpenAI chunks -> Anthropic stream events (the stream encoder), and round trips through the official
`anthropic` SDK (offline, via a mock transport)."""

from __future__ import annotations

import copy
from typing import Any

import anthropic
import httpx2
import pytest

from bastion.sse import SseEvent
from bastion.translate.anthropic import AnthropicCodec
from translate.anthropic_cases import Json, anthropic_tool_stream, codec, decode, user

# ---- stream encoder: OpenAI chunks -> Anthropic events ----------------------------------------------


def ochunk(delta: Json | None = None, finish: str | None = None, usage: Json | None = None) -> Json:
    choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]
    chunk = {
        "id": "chatcmpl-7",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "gpt-x",
        "choices": choices,
    }
    return {**chunk, "usage": usage} if usage is not None else chunk


def tc(index: int, arguments: str, id_: str | None = None, name: str | None = None) -> Json:
    if id_ is None:
        return {"index": index, "function": {"arguments": arguments}}
    return {"index": index, "id": id_, "type": "function", "function": {"name": name, "arguments": arguments}}


OPENAI_USAGE = {
    "prompt_tokens": 120,
    "completion_tokens": 30,
    "total_tokens": 150,
    "prompt_tokens_details": {"cached_tokens": 100},
}
TOOL_CHUNKS = [
    ochunk({"role": "assistant", "content": ""}),
    ochunk({"content": "Checking"}),
    ochunk({"content": " now."}),
    ochunk({"tool_calls": [tc(0, "", "call_1", "weather")]}),
    ochunk({"tool_calls": [tc(0, '{"city":')]}),
    ochunk({"tool_calls": [tc(0, '"Oslo"}')]}),
    ochunk({"tool_calls": [tc(1, '{"tz":"CET"}', "call_2", "time")]}),
    ochunk({}, "tool_calls"),
    ochunk(usage=OPENAI_USAGE),
]


def encode(chunks: list[Json], model: str = "claude-alias") -> list[SseEvent]:
    encoder = codec.stream_encoder(model, include_usage=False)
    return [e for c in chunks for e in encoder.encode(c)] + encoder.close()


def summary(events: list[SseEvent]) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    for e in events:
        d = e.data
        assert e.event == d["type"]
        if d["type"] == "content_block_start":
            out.append(("start", d["index"], d["content_block"]["type"]))
        elif d["type"] == "content_block_delta":
            out.append(("delta", d["index"], d["delta"].get("text", d["delta"].get("partial_json"))))
        elif d["type"] == "content_block_stop":
            out.append(("stop", d["index"]))
        elif d["type"] == "message_delta":
            out.append(("message_delta", d["delta"]["stop_reason"], d["usage"]))
        else:
            out.append((d["type"],))
    return out


def test_encoder_text_and_tool_blocks() -> None:
    assert summary(encode(TOOL_CHUNKS)) == [
        ("message_start",),
        ("start", 0, "text"),
        ("delta", 0, "Checking"),
        ("delta", 0, " now."),
        ("stop", 0),
        ("start", 1, "tool_use"),
        ("delta", 1, '{"city":'),
        ("delta", 1, '"Oslo"}'),
        ("stop", 1),
        ("start", 2, "tool_use"),
        ("delta", 2, '{"tz":"CET"}'),
        ("stop", 2),
        (
            "message_delta",
            "tool_use",
            {
                "input_tokens": 20,
                "output_tokens": 30,
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 100,
            },
        ),
        ("message_stop",),
    ]


def test_encoder_holds_message_delta_for_the_usage_chunk() -> None:
    encoder = codec.stream_encoder("claude-alias", include_usage=True)
    start = encoder.encode(ochunk({"role": "assistant", "content": "Hi"}))
    assert [e.event for e in start] == ["message_start", "content_block_start", "content_block_delta"]
    assert start[0].data["message"]["usage"] == {"input_tokens": 0, "output_tokens": 0}
    assert start[0].data["message"]["id"] == "msg_chatcmpl-7"
    assert start[0].data["message"]["model"] == "claude-alias"
    assert [e.event for e in encoder.encode(ochunk({}, "stop"))] == ["content_block_stop"]
    held = encoder.encode(ochunk(usage={"prompt_tokens": 9, "completion_tokens": 2}))
    assert [e.data for e in held] == [
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn", "stop_sequence": None},
            "usage": {
                "input_tokens": 9,
                "output_tokens": 2,
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
            },
        }
    ]
    assert [e.event for e in encoder.close()] == ["message_stop"]
    assert encoder.close() == []


def test_encoder_usage_in_the_finish_chunk_is_sent_at_once() -> None:
    encoder = codec.stream_encoder("m", include_usage=True)
    encoder.encode(ochunk({"content": "x"}))
    events = encoder.encode(ochunk({}, "length", usage={"prompt_tokens": 1, "completion_tokens": 1}))
    assert [e.event for e in events] == ["content_block_stop", "message_delta"]
    assert events[1].data["delta"]["stop_reason"] == "max_tokens"


@pytest.mark.parametrize(
    ("chunks", "expected"),
    [
        pytest.param(
            [],
            [("message_start",), ("message_delta", "end_turn", {"output_tokens": 0}), ("message_stop",)],
            id="empty",
        ),
        pytest.param(
            [ochunk({"content": "cut"})],
            [
                ("message_start",),
                ("start", 0, "text"),
                ("delta", 0, "cut"),
                ("stop", 0),
                ("message_delta", "end_turn", {"output_tokens": 0}),
                ("message_stop",),
            ],
            id="no-finish-reason",
        ),
        pytest.param(
            [ochunk({"content": "x"}, "stop")],
            [
                ("message_start",),
                ("start", 0, "text"),
                ("delta", 0, "x"),
                ("stop", 0),
                ("message_delta", "end_turn", {"output_tokens": 0}),
                ("message_stop",),
            ],
            id="finish-without-usage",
        ),
        pytest.param(
            [ochunk({"refusal": "No."}), ochunk({}, "content_filter")],
            [
                ("message_start",),
                ("start", 0, "text"),
                ("delta", 0, "No."),
                ("stop", 0),
                ("message_delta", "refusal", {"output_tokens": 0}),
                ("message_stop",),
            ],
            id="refusal",
        ),
        pytest.param(
            [
                ochunk({"tool_calls": [tc(0, "{}", "c1", "f")]}),
                ochunk({"content": "after"}),
                ochunk({}, "stop"),
            ],
            [
                ("message_start",),
                ("start", 0, "tool_use"),
                ("delta", 0, "{}"),
                ("stop", 0),
                ("start", 1, "text"),
                ("delta", 1, "after"),
                ("stop", 1),
                ("message_delta", "tool_use", {"output_tokens": 0}),
                ("message_stop",),
            ],
            id="text-after-tool-and-stop-with-tools",
        ),
    ],
)
def test_encoder_endings(chunks: list[Json], expected: list[tuple[Any, ...]]) -> None:
    assert summary(encode(chunks)) == expected


def test_encoder_tool_calls_without_index_follow_ids() -> None:
    """Some OpenAI-compatible servers omit `index` and repeat the id in every fragment."""
    calls = [
        {"id": "c1", "function": {"name": "f", "arguments": '{"a":'}},
        {"id": "c1", "function": {"arguments": "1}"}},
        {"id": "c2", "function": {"name": "g", "arguments": "{"}},
        {"function": {"arguments": "}"}},
    ]
    events = encode([ochunk({"tool_calls": [c]}) for c in calls] + [ochunk({}, "tool_calls")])
    assert summary(events)[1:-2] == [
        ("start", 0, "tool_use"),
        ("delta", 0, '{"a":'),
        ("delta", 0, "1}"),
        ("stop", 0),
        ("start", 1, "tool_use"),
        ("delta", 1, "{"),
        ("delta", 1, "}"),
        ("stop", 1),
    ]


def test_codec_is_registered() -> None:
    from bastion.translate import build_codecs

    assert AnthropicCodec.name == "anthropic"
    assert isinstance(build_codecs()["anthropic"], AnthropicCodec)


def test_encoder_error_event() -> None:
    encoder = codec.stream_encoder("m", include_usage=False)
    [event] = encoder.error("Overloaded", "overloaded_error")
    assert event.event == "error"
    assert event.data == {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    assert event.encode().startswith(b"event: error\ndata: {")


def test_encoder_does_not_mutate_chunks() -> None:
    chunks = copy.deepcopy(TOOL_CHUNKS)
    encode(chunks)
    assert chunks == TOOL_CHUNKS


# ---- round trips through the official SDKs ---------------------------------------------------------


def anthropic_client(body: bytes) -> anthropic.Anthropic:
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=body)

    transport = httpx2.MockTransport(handler)
    return anthropic.Anthropic(
        api_key="k",
        base_url="http://bastion.test",
        http_client=httpx2.Client(transport=transport),
        max_retries=0,
    )


def sse_bytes(events: list[SseEvent]) -> bytes:
    return b"".join(e.encode() for e in events)


def test_encoder_output_accumulates_in_anthropic_sdk() -> None:
    client = anthropic_client(sse_bytes(encode(TOOL_CHUNKS)))
    with client.messages.stream(model="claude-alias", max_tokens=100, messages=[user("w?")]) as stream:
        texts = list(stream.text_stream)
        final = stream.get_final_message()
    assert "".join(texts) == "Checking now."
    assert final.id == "msg_chatcmpl-7" and final.model == "claude-alias"
    assert [b.type for b in final.content] == ["text", "tool_use", "tool_use"]
    assert [(b.id, b.name, b.input) for b in final.content if b.type == "tool_use"] == [
        ("call_1", "weather", {"city": "Oslo"}),
        ("call_2", "time", {"tz": "CET"}),
    ]
    assert final.stop_reason == "tool_use"
    assert (final.usage.input_tokens, final.usage.output_tokens, final.usage.cache_read_input_tokens) == (
        20,
        30,
        100,
    )


def test_encoder_output_parses_with_create_stream() -> None:
    client = anthropic_client(sse_bytes(encode([ochunk({"content": "Hi"}), ochunk({}, "stop")])))
    events = list(client.messages.create(model="m", max_tokens=10, messages=[user("hi")], stream=True))
    assert [e.type for e in events] == [
        "message_start",
        "content_block_start",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]


def test_encoder_error_raises_in_anthropic_sdk() -> None:
    encoder = codec.stream_encoder("m", include_usage=False)
    events = encoder.encode(ochunk({"content": "partial"})) + encoder.error("Overloaded", "overloaded_error")
    client = anthropic_client(sse_bytes(events))
    with pytest.raises(anthropic.APIStatusError, match="Overloaded"):
        list(client.messages.create(model="m", max_tokens=10, messages=[user("hi")], stream=True))


def test_stream_round_trip_anthropic_to_openai_to_anthropic() -> None:
    """Anthropic upstream -> decoder -> hub chunks -> encoder -> the SDK sees the same message."""
    chunks, _ = decode(anthropic_tool_stream())
    client = anthropic_client(sse_bytes(encode(chunks)))
    with client.messages.stream(model="m", max_tokens=100, messages=[user("w?")]) as stream:
        final = stream.get_final_message()
    assert [b.type for b in final.content] == ["text", "tool_use", "tool_use"]
    assert final.content[0].type == "text" and final.content[0].text == "Let me check."
    assert [b.input for b in final.content if b.type == "tool_use"] == [{"city": "Oslo"}, {"tz": "CET"}]
    assert final.stop_reason == "tool_use"
    assert (final.usage.input_tokens, final.usage.cache_read_input_tokens, final.usage.output_tokens) == (
        472,
        30,
        89,
    )
