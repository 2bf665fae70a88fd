"""Gemini <-> OpenAI chat responses: finish reasons, usage, text and tool calls, both directions."""

from __future__ import annotations

import copy

import pytest

from bastion.usage import Usage
from translate.gemini_cases import CODEC, Json, call, fcall, gemini_response

# ---- Gemini response -> OpenAI -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "with_call", "expected"),
    [
        ("STOP", False, "stop"),
        ("STOP", True, "tool_calls"),
        ("MAX_TOKENS", False, "length"),
        ("MAX_TOKENS", True, "length"),
        ("SAFETY", False, "content_filter"),
        ("RECITATION", False, "content_filter"),
        ("BLOCKLIST", False, "content_filter"),
        ("PROHIBITED_CONTENT", False, "content_filter"),
        ("SPII", False, "content_filter"),
        ("MALFORMED_FUNCTION_CALL", False, "stop"),
        ("OTHER", False, "stop"),
        ("FINISH_REASON_UNSPECIFIED", False, "stop"),
    ],
)
def test_finish_reasons(reason: str, with_call: bool, expected: str) -> None:
    parts = [{"text": "x"}, fcall("f", {})] if with_call else [{"text": "x"}]
    out = CODEC.response_to_openai(gemini_response(parts, reason), "alias")
    assert out["choices"][0]["finish_reason"] == expected


@pytest.mark.parametrize(
    ("meta", "expected"),
    [
        pytest.param(
            {"promptTokenCount": 10, "candidatesTokenCount": 5, "totalTokenCount": 15},
            {
                "prompt_tokens": 10,
                "completion_tokens": 5,
                "total_tokens": 15,
                "prompt_tokens_details": {"cached_tokens": 0},
                "completion_tokens_details": {"reasoning_tokens": 0},
            },
            id="plain",
        ),
        pytest.param(
            {
                "promptTokenCount": 100,
                "cachedContentTokenCount": 60,
                "candidatesTokenCount": 20,
                "thoughtsTokenCount": 30,
                "toolUsePromptTokenCount": 4,
                "totalTokenCount": 154,
            },
            {
                "prompt_tokens": 104,
                "completion_tokens": 50,
                "total_tokens": 154,
                "prompt_tokens_details": {"cached_tokens": 60},
                "completion_tokens_details": {"reasoning_tokens": 30},
            },
            id="cached-thoughts-tool-use",
        ),
        pytest.param(
            {"promptTokenCount": 7, "totalTokenCount": 7},
            {
                "prompt_tokens": 7,
                "completion_tokens": 0,
                "total_tokens": 7,
                "prompt_tokens_details": {"cached_tokens": 0},
                "completion_tokens_details": {"reasoning_tokens": 0},
            },
            id="blocked-prompt-has-no-candidate-count",
        ),
        pytest.param({}, None, id="missing"),
    ],
)
def test_usage(meta: Json, expected: Json | None) -> None:
    body = gemini_response([{"text": "x"}], usageMetadata=meta)
    assert CODEC.response_to_openai(body, "alias").get("usage") == expected
    usage = CODEC.usage(body)
    if expected is None:
        assert usage is None
    else:
        assert usage == Usage(
            expected["prompt_tokens"],
            expected["completion_tokens"],
            expected["prompt_tokens_details"]["cached_tokens"],
        )


def test_response_to_openai_text_and_tool_calls() -> None:
    body = gemini_response(
        [
            {"text": "Let me think", "thought": True},
            {"text": "Checking "},
            {"text": "both."},
            fcall("weather", {"city": "Paris"}, signature="c2ln"),
            {"functionCall": {"id": "gem-id", "name": "weather", "args": {"city": "Rome"}}},
        ],
        usageMetadata={"promptTokenCount": 3, "candidatesTokenCount": 4, "totalTokenCount": 7},
    )
    before = copy.deepcopy(body)
    out = CODEC.response_to_openai(body, "alias")
    assert body == before
    assert out["id"] == "chatcmpl-r1"
    assert out["object"] == "chat.completion"
    assert out["model"] == "alias"
    assert isinstance(out["created"], int)
    message = out["choices"][0]["message"]
    assert message["content"] == "Checking both."
    first, second = message["tool_calls"]
    assert first["id"].startswith("call_") and len(first["id"]) > 10
    assert first["function"] == {"name": "weather", "arguments": '{"city":"Paris"}'}
    assert first["extra_content"] == {"google": {"thought_signature": "c2ln"}}
    assert second["id"] == "gem-id"
    assert "extra_content" not in second
    assert out["choices"][0]["finish_reason"] == "tool_calls"


@pytest.mark.parametrize(
    ("body", "content", "finish"),
    [
        pytest.param(
            {"promptFeedback": {"blockReason": "SAFETY"}, "usageMetadata": {"promptTokenCount": 5}},
            "",
            "content_filter",
            id="prompt-blocked",
        ),
        pytest.param(gemini_response(None, "SAFETY"), "", "content_filter", id="candidate-blocked"),
        pytest.param(gemini_response([{"functionCall": {"name": "f"}}]), None, "tool_calls", id="call-only"),
        pytest.param(gemini_response([{"text": "partial"}], None), "partial", "stop", id="no-finish-reason"),
    ],
)
def test_response_to_openai_edges(body: Json, content: str | None, finish: str) -> None:
    out = CODEC.response_to_openai(body, "alias")
    assert len(out["choices"]) == 1
    assert out["choices"][0]["message"]["content"] == content
    assert out["choices"][0]["finish_reason"] == finish


def test_response_to_openai_multiple_candidates() -> None:
    body = {
        "candidates": [
            {"index": 0, "content": {"role": "model", "parts": [{"text": "a"}]}, "finishReason": "STOP"},
            {
                "index": 1,
                "content": {"role": "model", "parts": [{"text": "b"}]},
                "finishReason": "MAX_TOKENS",
            },
        ]
    }
    out = CODEC.response_to_openai(body, "alias")
    got = [(c["index"], c["message"]["content"], c["finish_reason"]) for c in out["choices"]]
    assert got == [(0, "a", "stop"), (1, "b", "length")]


# ---- OpenAI response -> Gemini -----------------------------------------------------------------------


def openai_completion(message: Json, finish: str, usage: Json | None = None) -> Json:
    out: Json = {
        "id": "chatcmpl-abc",
        "object": "chat.completion",
        "created": 1,
        "model": "gpt",
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
    }
    if usage:
        out["usage"] = usage
    return out


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            openai_completion(
                {"role": "assistant", "content": "Hi"},
                "stop",
                {
                    "prompt_tokens": 10,
                    "completion_tokens": 8,
                    "total_tokens": 18,
                    "prompt_tokens_details": {"cached_tokens": 4},
                    "completion_tokens_details": {"reasoning_tokens": 3},
                },
            ),
            {
                "candidates": [
                    {
                        "content": {"role": "model", "parts": [{"text": "Hi"}]},
                        "finishReason": "STOP",
                        "index": 0,
                    }
                ],
                "usageMetadata": {
                    "promptTokenCount": 10,
                    "candidatesTokenCount": 5,
                    "totalTokenCount": 18,
                    "thoughtsTokenCount": 3,
                    "cachedContentTokenCount": 4,
                },
                "modelVersion": "alias",
                "responseId": "abc",
            },
            id="text-and-usage",
        ),
        pytest.param(
            openai_completion(
                {"role": "assistant", "content": None, "tool_calls": [call("call_1", "f", '{"a":1}', "sig")]},
                "tool_calls",
            ),
            {
                "candidates": [
                    {
                        "content": {
                            "role": "model",
                            "parts": [
                                {
                                    "functionCall": {"name": "f", "args": {"a": 1}, "id": "call_1"},
                                    "thoughtSignature": "sig",
                                }
                            ],
                        },
                        "finishReason": "STOP",
                        "index": 0,
                    }
                ],
                "modelVersion": "alias",
                "responseId": "abc",
            },
            id="tool-calls",
        ),
        pytest.param(
            openai_completion({"role": "assistant", "content": ""}, "content_filter"),
            {
                "candidates": [
                    {
                        "content": {"role": "model", "parts": [{"text": ""}]},
                        "finishReason": "SAFETY",
                        "index": 0,
                    }
                ],
                "modelVersion": "alias",
                "responseId": "abc",
            },
            id="content-filter",
        ),
    ],
)
def test_response_from_openai(body: Json, expected: Json) -> None:
    assert CODEC.response_from_openai(body, "alias") == expected


@pytest.mark.parametrize(
    ("finish", "expected"), [("length", "MAX_TOKENS"), ("stop", "STOP"), ("weird", "OTHER")]
)
def test_finish_reasons_from_openai(finish: str, expected: str) -> None:
    body = openai_completion({"role": "assistant", "content": "x"}, finish)
    assert CODEC.response_from_openai(body, "m")["candidates"][0]["finishReason"] == expected


def test_response_round_trip() -> None:
    gem = gemini_response(
        [{"text": "Hi "}, {"text": "there"}, fcall("f", {"q": [1, 2]}, signature="sig")],
        usageMetadata={"promptTokenCount": 9, "candidatesTokenCount": 2, "totalTokenCount": 11},
    )
    back = CODEC.response_from_openai(CODEC.response_to_openai(gem, "m"), "m")
    parts = back["candidates"][0]["content"]["parts"]
    assert parts[0] == {"text": "Hi there"}
    assert parts[1]["functionCall"]["args"] == {"q": [1, 2]}
    assert parts[1]["thoughtSignature"] == "sig"
    assert back["usageMetadata"] == {"promptTokenCount": 9, "candidatesTokenCount": 2, "totalTokenCount": 11}
