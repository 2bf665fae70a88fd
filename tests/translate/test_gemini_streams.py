"""Gemini <-> OpenAI streams (decoder, encoder, round trip), usage tracking and error messages."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from bastion.sse import SseEvent, SseParser
from bastion.usage import Usage
from translate.gemini_cases import CODEC, Json, fcall, gemini_error, gemini_response

# ---- streaming ---------------------------------------------------------------------------------------

GEMINI_SSE = b"".join(
    b"data: " + orjson.dumps(event) + b"\r\n\r\n"
    for event in [
        {
            "candidates": [{"content": {"role": "model", "parts": [{"text": "The weather"}]}, "index": 0}],
            "usageMetadata": {"promptTokenCount": 12, "candidatesTokenCount": 2, "totalTokenCount": 14},
            "modelVersion": "gemini-2.5-flash",
            "responseId": "resp-1",
        },
        {
            "candidates": [
                {"content": {"role": "model", "parts": [{"text": "...", "thought": True}]}, "index": 0}
            ],
            "usageMetadata": {"promptTokenCount": 12, "candidatesTokenCount": 2, "totalTokenCount": 20},
            "responseId": "resp-1",
        },
        {
            "candidates": [{"content": {"role": "model", "parts": [{"text": " in Paris:"}]}, "index": 0}],
            "usageMetadata": {"promptTokenCount": 12, "candidatesTokenCount": 5, "totalTokenCount": 23},
            "responseId": "resp-1",
        },
        {
            "candidates": [
                {
                    "content": {
                        "role": "model",
                        "parts": [
                            fcall("weather", {"city": "Paris"}, signature="c2ln"),
                            fcall("time", {"tz": "CET"}),
                        ],
                    },
                    "finishReason": "STOP",
                    "index": 0,
                }
            ],
            "usageMetadata": {
                "promptTokenCount": 12,
                "candidatesTokenCount": 20,
                "thoughtsTokenCount": 6,
                "totalTokenCount": 38,
            },
            "modelVersion": "gemini-2.5-flash",
            "responseId": "resp-1",
        },
    ]
)


def decode_all(decoder: Any, events: list[SseEvent]) -> list[Json]:
    chunks = [c for e in events for c in decoder.feed(e)]
    return chunks + decoder.close()


def test_stream_decoder_realistic_sequence() -> None:
    parser = SseParser()
    events = [e for i in range(0, len(GEMINI_SSE), 37) for e in parser.feed(GEMINI_SSE[i : i + 37])]
    events += parser.close()
    chunks = decode_all(CODEC.stream_decoder("alias"), events)
    assert {c["id"] for c in chunks} == {"chatcmpl-resp-1"}
    assert {c["model"] for c in chunks} == {"alias"}
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    deltas = [(c["choices"][0]["delta"], c["choices"][0]["finish_reason"]) for c in chunks[:-1]]
    assert deltas[0] == ({"role": "assistant", "content": "The weather"}, None)
    assert deltas[1] == ({"content": " in Paris:"}, None)
    delta, finish = deltas[2]
    assert finish == "tool_calls"
    calls = delta["tool_calls"]
    assert [(c["index"], c["function"]["name"], c["function"]["arguments"]) for c in calls] == [
        (0, "weather", '{"city":"Paris"}'),
        (1, "time", '{"tz":"CET"}'),
    ]
    assert all(c["id"].startswith("call_") and c["type"] == "function" for c in calls)
    assert calls[0]["extra_content"] == {"google": {"thought_signature": "c2ln"}}
    assert len(deltas) == 3
    assert chunks[-1]["choices"] == []
    assert chunks[-1]["usage"] == {
        "prompt_tokens": 12,
        "completion_tokens": 26,
        "total_tokens": 38,
        "prompt_tokens_details": {"cached_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 6},
    }


@pytest.mark.parametrize(
    "payload",
    [
        gemini_error(429, "Resource has been exhausted", "RESOURCE_EXHAUSTED"),
        [gemini_error(429, "Resource has been exhausted", "RESOURCE_EXHAUSTED")],
    ],
)
def test_stream_decoder_error_event(payload: Any) -> None:
    decoder = CODEC.stream_decoder("m")
    first = gemini_response([{"text": "hi"}], None)
    assert len(decoder.feed(SseEvent.of(first))) == 1
    assert decoder.feed(SseEvent.of(payload)) == []
    assert decoder.error == ("Resource has been exhausted", "rate_limit_error")
    assert decoder.close() == []


@pytest.mark.parametrize(
    ("event", "finish"),
    [
        ({"promptFeedback": {"blockReason": "PROHIBITED_CONTENT"}}, "content_filter"),
        (gemini_response([{"text": ""}], "MAX_TOKENS"), "length"),
        (gemini_response(None, "SAFETY"), "content_filter"),
    ],
)
def test_stream_decoder_finishes(event: Json, finish: str) -> None:
    chunks = CODEC.stream_decoder("m").feed(SseEvent.of(event))
    assert [c["choices"][0]["finish_reason"] for c in chunks] == [finish]
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"


def openai_chunks() -> list[Json]:
    def chunk(delta: Json, finish: str | None = None) -> Json:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        return {"id": "chatcmpl-xyz", "object": "chat.completion.chunk", "model": "gpt", "choices": [choice]}

    return [
        chunk({"role": "assistant", "content": ""}),
        chunk({"content": "Hello"}),
        chunk({"content": " world"}),
        chunk({"tool_calls": [{"index": 0, "id": "call_1", "type": "function", "function": {"name": "f"}}]}),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"a":'}}]}),
        chunk({"tool_calls": [{"index": 1, "id": "call_2", "function": {"name": "g", "arguments": "{}"}}]}),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": " 1}"}}]}),
        chunk({}, "tool_calls"),
        {
            "id": "chatcmpl-xyz",
            "object": "chat.completion.chunk",
            "choices": [],
            "usage": {"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12},
        },
    ]


def test_stream_encoder_shape() -> None:
    encoder = CODEC.stream_encoder("alias", include_usage=True)
    events = [e for c in openai_chunks() for e in encoder.encode(c)]
    assert encoder.close() == []
    assert all(e.event is None for e in events)
    payloads = [orjson.loads(e.encode()[6:]) for e in events]
    assert [p["candidates"][0]["content"]["parts"] for p in payloads[:2]] == [
        [{"text": "Hello"}],
        [{"text": " world"}],
    ]
    last = payloads[-1]
    assert len(payloads) == 3
    assert last["candidates"][0]["finishReason"] == "STOP"
    assert last["candidates"][0]["content"]["parts"] == [
        {"functionCall": {"name": "f", "args": {"a": 1}, "id": "call_1"}},
        {"functionCall": {"name": "g", "args": {}, "id": "call_2"}},
    ]
    assert last["usageMetadata"] == {"promptTokenCount": 5, "candidatesTokenCount": 7, "totalTokenCount": 12}
    assert {p["modelVersion"] for p in payloads} == {"alias"}
    assert {p["responseId"] for p in payloads} == {"xyz"}


def test_stream_encoder_decoder_round_trip() -> None:
    encoder = CODEC.stream_encoder("alias", include_usage=True)
    events = [e for c in openai_chunks() for e in encoder.encode(c)] + encoder.close()
    parser = SseParser()
    wire = b"".join(e.encode() for e in events)
    chunks = decode_all(CODEC.stream_decoder("alias"), parser.feed(wire))
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    calls = [t for c in chunks if c["choices"] for t in c["choices"][0]["delta"].get("tool_calls", [])]
    finishes = [c["choices"][0]["finish_reason"] for c in chunks if c["choices"]]
    assert text == "Hello world"
    assert [(t["index"], t["id"], t["function"]) for t in calls] == [
        (0, "call_1", {"name": "f", "arguments": '{"a":1}'}),
        (1, "call_2", {"name": "g", "arguments": "{}"}),
    ]
    assert finishes[-1] == "tool_calls"
    assert chunks[-1]["usage"]["prompt_tokens"] == 5
    assert chunks[-1]["usage"]["completion_tokens"] == 7


@pytest.mark.parametrize("include_usage", [True, False])
def test_stream_encoder_always_reports_usage(include_usage: bool) -> None:
    encoder = CODEC.stream_encoder("alias", include_usage=include_usage)
    chunks = openai_chunks()
    before = [e for c in chunks[:-1] for e in encoder.encode(c)]
    assert all("finishReason" not in c for e in before for c in e.data.get("candidates", []))
    (last,) = encoder.encode(chunks[-1])
    assert last.data["candidates"][0]["finishReason"] == "STOP"
    assert last.data["usageMetadata"]["totalTokenCount"] == 12
    assert encoder.close() == []


def test_stream_encoder_flushes_held_finish_on_close() -> None:
    encoder = CODEC.stream_encoder("alias", include_usage=True)
    finish = {
        "id": "chatcmpl-q",
        "choices": [{"index": 0, "delta": {"content": "x"}, "finish_reason": "length"}],
    }
    assert encoder.encode(finish) == []
    (event,) = encoder.close()
    cand = event.data["candidates"][0]
    assert (cand["content"]["parts"], cand["finishReason"]) == ([{"text": "x"}], "MAX_TOKENS")
    assert "usageMetadata" not in event.data


def test_stream_encoder_error() -> None:
    (event,) = CODEC.stream_encoder("m", include_usage=True).error("boom", "api_error")
    assert event.event is None
    assert event.data == {"error": {"code": 500, "message": "boom", "status": "INTERNAL"}}


def test_usage_tracker_last_wins() -> None:
    tracker = CODEC.usage_tracker()
    assert tracker.usage is None
    for event in SseParser().feed(GEMINI_SSE):
        tracker.track(event)
    tracker.track(SseEvent.of({"candidates": []}))
    assert tracker.usage == Usage(input_tokens=12, output_tokens=26, cache_read_tokens=0)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (orjson.dumps(gemini_error(400, "API key not valid.", "INVALID_ARGUMENT")), "API key not valid."),
        (
            orjson.dumps([gemini_error(503, "The model is overloaded.", "UNAVAILABLE")]),
            "The model is overloaded.",
        ),
        (b"<html>Bad Gateway</html>", "<html>Bad Gateway</html>"),
        (b'{"unexpected": true}', "upstream error"),
        (b"[]", "upstream error"),
        (b"", "upstream error"),
    ],
)
def test_error_message(body: bytes, expected: str) -> None:
    assert CODEC.error_message(body) == expected
