"""Anthropic Messages <-> OpenAI chat responses, usage and error messages."""

from __future__ import annotations

import anthropic
import pytest
from openai.types.chat import ChatCompletion

from bastion.usage import Usage
from translate.anthropic_cases import Json, assistant, call, codec, text, tool_use

# ---- responses --------------------------------------------------------------------------------------


def amsg(content: list[Json], stop: str | None = "end_turn", **usage: int) -> Json:
    return {
        "id": "msg_01",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5",
        "content": content,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": {"input_tokens": 10, "output_tokens": 5, **usage},
    }


@pytest.mark.parametrize(
    ("stop", "finish"),
    [
        ("end_turn", "stop"),
        ("stop_sequence", "stop"),
        ("max_tokens", "length"),
        ("tool_use", "tool_calls"),
        ("refusal", "content_filter"),
        ("pause_turn", "stop"),
        ("model_context_window_exceeded", "length"),
        (None, "stop"),
    ],
)
def test_response_to_openai_finish_reason(stop: str | None, finish: str) -> None:
    out = codec.response_to_openai(amsg([text("x")], stop), "alias")
    assert out["choices"][0]["finish_reason"] == finish


RESPONSE_TO_OPENAI = [
    pytest.param(
        amsg([text("Hello"), text(" world")]),
        {"role": "assistant", "content": "Hello world", "refusal": None},
        {
            "prompt_tokens": 10,
            "completion_tokens": 5,
            "total_tokens": 15,
            "prompt_tokens_details": {"cached_tokens": 0},
        },
        id="text",
    ),
    pytest.param(
        amsg(
            [
                {"type": "thinking", "thinking": "t", "signature": "s"},
                text("Let me check."),
                tool_use("toolu_1", "weather", {"city": "Oslo"}),
            ],
            "tool_use",
            cache_read_input_tokens=100,
            cache_creation_input_tokens=20,
        ),
        {
            "role": "assistant",
            "content": "Let me check.",
            "refusal": None,
            "tool_calls": [call("toolu_1", "weather", '{"city":"Oslo"}')],
        },
        {
            "prompt_tokens": 130,
            "completion_tokens": 5,
            "total_tokens": 135,
            "prompt_tokens_details": {"cached_tokens": 100},
        },
        id="tool-use-and-cache",
    ),
    pytest.param(
        amsg([tool_use("toolu_1", "a", {})], "tool_use"),
        {"role": "assistant", "content": None, "refusal": None, "tool_calls": [call("toolu_1", "a", "{}")]},
        {
            "prompt_tokens": 10,
            "completion_tokens": 5,
            "total_tokens": 15,
            "prompt_tokens_details": {"cached_tokens": 0},
        },
        id="tool-only",
    ),
]


@pytest.mark.parametrize(("body", "message", "usage"), RESPONSE_TO_OPENAI)
def test_response_to_openai(body: Json, message: Json, usage: Json) -> None:
    out = codec.response_to_openai(body, "alias")
    assert out["choices"][0]["message"] == message
    assert out["usage"] == usage
    assert (out["id"], out["object"], out["model"]) == ("msg_01", "chat.completion", "alias")
    assert isinstance(out["created"], int)
    ChatCompletion.model_validate(out)


def ocompletion(message: Json, finish: str | None, usage: Json | None = None) -> Json:
    body = {
        "id": "chatcmpl-9",
        "object": "chat.completion",
        "created": 1,
        "model": "gpt-x",
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
    }
    return {**body, "usage": usage} if usage is not None else body


@pytest.mark.parametrize(
    ("finish", "has_tools", "stop"),
    [
        ("stop", False, "end_turn"),
        ("length", False, "max_tokens"),
        ("tool_calls", True, "tool_use"),
        ("function_call", False, "tool_use"),
        ("content_filter", False, "refusal"),
        ("stop", True, "tool_use"),
        (None, False, "end_turn"),
    ],
)
def test_response_from_openai_stop_reason(finish: str | None, has_tools: bool, stop: str) -> None:
    message = assistant("x", tool_calls=[call("c", "f", "{}")]) if has_tools else assistant("x")
    assert codec.response_from_openai(ocompletion(message, finish), "alias")["stop_reason"] == stop


RESPONSE_FROM_OPENAI = [
    pytest.param(
        ocompletion(
            assistant("Hello"), "stop", {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15}
        ),
        [text("Hello")],
        {
            "input_tokens": 12,
            "output_tokens": 3,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
        },
        id="text",
    ),
    pytest.param(
        ocompletion(
            assistant(
                None,
                tool_calls=[call("call_1", "weather", '{"city":"Oslo"}'), call("call_2", "x", "not json")],
            ),
            "tool_calls",
            {"prompt_tokens": 120, "completion_tokens": 9, "prompt_tokens_details": {"cached_tokens": 100}},
        ),
        [tool_use("call_1", "weather", {"city": "Oslo"}), tool_use("call_2", "x", {"_raw": "not json"})],
        {
            "input_tokens": 20,
            "output_tokens": 9,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 100,
        },
        id="tool-calls-and-cache",
    ),
    pytest.param(
        ocompletion(
            {"role": "assistant", "content": None, "refusal": "I can't help with that."}, "content_filter"
        ),
        [text("I can't help with that.")],
        {
            "input_tokens": 0,
            "output_tokens": 0,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
        },
        id="refusal-no-usage",
    ),
]


@pytest.mark.parametrize(("body", "content", "usage"), RESPONSE_FROM_OPENAI)
def test_response_from_openai(body: Json, content: list[Json], usage: Json) -> None:
    out = codec.response_from_openai(body, "alias")
    assert out["content"] == content
    assert out["usage"] == usage
    assert {k: out[k] for k in ("id", "type", "role", "model", "stop_sequence")} == {
        "id": "msg_chatcmpl-9",
        "type": "message",
        "role": "assistant",
        "model": "alias",
        "stop_sequence": None,
    }
    anthropic.types.Message.model_validate(out)


# ---- usage and errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("usage", "expected"),
    [
        ({"input_tokens": 10, "output_tokens": 5}, Usage(10, 5)),
        (
            {
                "input_tokens": 3,
                "output_tokens": 5,
                "cache_read_input_tokens": 90,
                "cache_creation_input_tokens": 7,
            },
            Usage(100, 5, cache_read_tokens=90, cache_write_tokens=7),
        ),
        ({"output_tokens": 5, "cache_read_input_tokens": None}, Usage(None, 5)),
        (None, None),
    ],
)
def test_usage(usage: Json | None, expected: Usage | None) -> None:
    assert codec.usage({"usage": usage} if usage is not None else {}) == expected


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}', "Overloaded"),
        (b'{"error":"nope"}', "nope"),
        (b'{"message":"bad gateway"}', "bad gateway"),
        (b"<html>502</html>", "<html>502</html>"),
        (b"", "upstream error"),
        (b"[1]", "upstream error"),
    ],
)
def test_error_message(body: bytes, message: str) -> None:
    assert codec.error_message(body) == message


def test_response_round_trip_anthropic_to_openai_to_anthropic() -> None:
    body = amsg([text("Hi"), tool_use("toolu_1", "f", {"a": [1, 2]})], "tool_use", cache_read_input_tokens=4)
    back = codec.response_from_openai(codec.response_to_openai(body, "alias"), "claude-sonnet-4-5")
    assert back["content"] == body["content"]
    assert back["stop_reason"] == "tool_use"
    assert back["usage"] == {
        "input_tokens": 10,
        "output_tokens": 5,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 4,
    }
