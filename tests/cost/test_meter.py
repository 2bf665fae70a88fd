"""Cost arithmetic from usage (cached input, Anthropic cache writes), unknown never $0, the admission
estimates, and counting answer text in stream events of every format."""

from __future__ import annotations

from typing import Any

import pytest

from bastion.apis import registry
from bastion.apis.anthropic_messages import event_chars as message_event_chars
from bastion.apis.openai_chat import chunk_chars as chat_chunk_chars
from bastion.apis.text import text_chars
from bastion.cost.meter import cost_of, estimate_input_tokens, max_output_tokens, usd
from bastion.cost.prices import Price
from bastion.usage import Usage

PRICE = Price(input=3.0, output=15.0, cache_read=0.3, cache_write=3.75)


@pytest.mark.parametrize(
    ("usage", "expected"),
    [
        (Usage(1_000_000, 0), 3.0),
        (Usage(0, 1_000_000), 15.0),
        (Usage(1000, 500), (1000 * 3.0 + 500 * 15.0) / 1e6),
        # input_tokens counts every prompt token: 1000 = 600 uncached + 300 cache reads + 100 cache writes
        (Usage(1000, 10, cache_read_tokens=300, cache_write_tokens=100),
         (600 * 3.0 + 300 * 0.3 + 100 * 3.75 + 10 * 15.0) / 1e6),
        (Usage(0, 0), 0.0),
    ],
)  # fmt: skip
def test_usd(usage: Usage, expected: float) -> None:
    assert usd(usage, PRICE) == pytest.approx(expected)


def test_cached_price_defaults_to_input() -> None:
    assert usd(Usage(100, 0, cache_read_tokens=100), Price(2.0, 4.0)) == pytest.approx(200 * 1e-6)


@pytest.mark.parametrize(
    ("usage", "price", "reason"),
    [
        (None, PRICE, "the provider reported no usage"),
        (Usage(10, None), PRICE, "incomplete usage"),
        (Usage(10, 5), None, "no price for this model"),
    ],
)
def test_unknown_is_never_zero(usage: Usage | None, price: Price | None, reason: str) -> None:
    cost = cost_of(usage, price)
    assert cost.usd is None and cost.reason == reason
    assert cost.as_dict()["usd"] is None


def test_known_cost_record() -> None:
    record = cost_of(Usage(10, 5, 2, 1), PRICE).as_dict()
    assert record["input_tokens"] == 10 and record["output_tokens"] == 5
    assert record["cache_read_tokens"] == 2 and record["cache_write_tokens"] == 1
    assert record["source"] == "provider" and record["usd"] > 0


@pytest.mark.parametrize(
    ("api", "body", "at_least"),
    [
        ("openai.chat", {"messages": [{"role": "user", "content": "x" * 300}]}, 100),
        (
            "anthropic.messages",
            {"system": "s" * 30, "messages": [{"role": "user", "content": "y" * 300}]},
            110,
        ),
        ("openai.embeddings", {"input": ["a" * 30, "b" * 30]}, 20),
        ("openai.responses", {"input": "z" * 90}, 30),
        ("gemini.generate", {"contents": [{"role": "user", "parts": [{"text": "g" * 300}]}]}, 100),
    ],
)
def test_input_estimate_is_generous(api: str, body: dict[str, Any], at_least: int) -> None:
    assert estimate_input_tokens(body, registry.get(api), 3.0) >= at_least


@pytest.mark.parametrize(
    ("api", "body", "expected"),
    [
        ("openai.chat", {"max_tokens": 50}, 50),
        ("openai.chat", {"max_completion_tokens": 70, "max_tokens": 50}, 70),
        ("openai.responses", {"max_output_tokens": 30}, 30),
        ("anthropic.messages", {"max_tokens": 20}, 20),
        ("openai.chat", {}, 4096),
        ("openai.chat", {"max_tokens": True}, 4096),
        ("openai.embeddings", {"max_tokens": 5}, 0),
        ("gemini.generate", {"generationConfig": {"maxOutputTokens": 40}}, 40),
        ("gemini.generate", {"max_tokens": 40}, 4096),
    ],
)
def test_max_output_tokens(api: str, body: dict[str, Any], expected: int) -> None:
    assert max_output_tokens(body, registry.get(api), 4096) == expected


@pytest.mark.parametrize(
    ("event", "chars"),
    [
        ({"choices": [{"delta": {"content": "hello", "role": "assistant"}}]}, 5),
        ({"choices": [{"delta": {"tool_calls": [{"function": {"arguments": "{\"a\":1}"}}]}}]}, 7),
        ({"type": "content_block_delta", "delta": {"type": "text_delta", "text": "hey"}}, 3),
        ({"type": "content_block_delta", "delta": {"type": "input_json_delta", "partial_json": "{\"x\""}}, 4),
        ({"type": "response.output_text.delta", "delta": "abc"}, 3),
        ({"candidates": [{"content": {"parts": [{"text": "four"}]}}]}, 4),
        ({"id": "chatcmpl-1", "model": "gpt", "choices": [{"finish_reason": "stop", "delta": {}}]}, 0),
    ],
)  # fmt: skip
def test_text_chars(event: dict[str, Any], chars: int) -> None:
    assert text_chars(event) == chars


_CHAT_CHUNKS = [
    {
        "id": "c1",
        "object": "chat.completion.chunk",
        "model": "m",
        "choices": [{"index": 0, "delta": {"role": "assistant", "content": "hello"}, "finish_reason": None}],
    },
    {"choices": [{"delta": {"tool_calls": [{"index": 0, "function": {"name": "f", "arguments": "{}"}}]}}]},
    {"choices": [{"delta": {"refusal": "no"}}, {"delta": {"content": "two choices"}}]},
    {"choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 4}},
    {"error": {"message": "upstream failed", "type": "server_error"}},
    {"choices": [{"finish_reason": "stop", "delta": {}}]},
]
_MESSAGE_EVENTS = [
    {"type": "message_start", "message": {"id": "m", "role": "assistant", "content": [], "model": "c"}},
    {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": "hi"}},
    {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "hey"}},
    {"type": "content_block_delta", "index": 1, "delta": {"type": "thinking_delta", "thinking": "hmm"}},
    {"type": "content_block_delta", "index": 2, "delta": {"type": "input_json_delta", "partial_json": "{"}},
    {
        "type": "message_delta",
        "delta": {"stop_reason": "end_turn", "stop_sequence": None},
        "usage": {"output_tokens": 5},
    },
    {"type": "message_stop"},
]


@pytest.mark.parametrize("event", _CHAT_CHUNKS)
def test_chat_chunk_counter_agrees_with_the_generic_walk(event: dict[str, Any]) -> None:
    assert chat_chunk_chars(event) == text_chars(event)


@pytest.mark.parametrize("event", _MESSAGE_EVENTS)
def test_message_event_counter_agrees_with_the_generic_walk(event: dict[str, Any]) -> None:
    assert message_event_chars(event) == text_chars(event)
