"""Gemini generateContent <-> OpenAI chat: tables of (input, expected) for every direction."""

from __future__ import annotations

import base64
import copy
import struct
from typing import Any

import orjson
import pytest

from bastion.errors import BadGateway, BadRequest
from bastion.sse import SseEvent, SseParser
from bastion.translate.gemini import SKIP_SIGNATURE, GeminiCodec
from bastion.translate.gemini_embeddings import (
    embeddings_request_from_openai,
    embeddings_response_to_openai,
    embeddings_usage,
)
from bastion.usage import Usage

CODEC = GeminiCodec()
Json = dict[str, Any]


def user(text: str) -> Json:
    return {"role": "user", "parts": [{"text": text}]}


def model_turn(*parts: Json) -> Json:
    return {"role": "model", "parts": list(parts)}


def call(call_id: str, name: str, arguments: str, signature: str | None = None) -> Json:
    out: Json = {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}
    if signature:
        out["extra_content"] = {"google": {"thought_signature": signature}}
    return out


def fcall(name: str, args: Json, signature: str | None = None) -> Json:
    part: Json = {"functionCall": {"name": name, "args": args}}
    if signature:
        part["thoughtSignature"] = signature
    return part


def gemini_error(code: int, message: str, status: str) -> Json:
    return {"error": {"code": code, "message": message, "status": status}}


def fresp(name: str, response: Json) -> Json:
    return {"functionResponse": {"name": name, "response": response}}


# ---- OpenAI request -> Gemini ------------------------------------------------------------------------

REQUESTS_FROM_OPENAI = [
    pytest.param(
        {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}]},
        {"contents": [user("hi")], "systemInstruction": {"parts": [{"text": "Be brief."}]}},
        id="system",
    ),
    pytest.param(
        {
            "messages": [
                {"role": "developer", "content": [{"type": "text", "text": "A"}]},
                {"role": "system", "content": "B"},
                {"role": "user", "content": "hi"},
            ]
        },
        {"contents": [user("hi")], "systemInstruction": {"parts": [{"text": "A"}, {"text": "B"}]}},
        id="system-and-developer",
    ),
    pytest.param(
        {
            "messages": [
                {"role": "user", "content": "a"},
                {"role": "user", "content": [{"type": "text", "text": "b"}]},
                {"role": "assistant", "content": "c"},
                {"role": "assistant", "content": ""},
                {"role": "assistant", "content": "d"},
                {"role": "user", "content": "e"},
            ]
        },
        {
            "contents": [
                {"role": "user", "parts": [{"text": "a"}, {"text": "b"}]},
                {"role": "model", "parts": [{"text": "c"}, {"text": "d"}]},
                user("e"),
            ]
        },
        id="multi-turn-merge",
    ),
    pytest.param(
        {
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "what is this?"},
                        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
                        {"type": "image_url", "image_url": {"url": "https://example.com/cat.WEBP?size=2"}},
                        {"type": "image_url", "image_url": {"url": "https://example.com/img/123"}},
                        {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "mp3"}},
                    ],
                }
            ]
        },
        {
            "contents": [
                {
                    "role": "user",
                    "parts": [
                        {"text": "what is this?"},
                        {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}},
                        {
                            "fileData": {
                                "mimeType": "image/webp",
                                "fileUri": "https://example.com/cat.WEBP?size=2",
                            }
                        },
                        {"fileData": {"mimeType": "image/jpeg", "fileUri": "https://example.com/img/123"}},
                        {"inlineData": {"mimeType": "audio/mp3", "data": "UklGRg=="}},
                    ],
                }
            ]
        },
        id="images",
    ),
    pytest.param(
        {
            "messages": [
                {"role": "user", "content": "weather in Paris and Rome?"},
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        call("call_a", "weather", '{"city": "Paris"}', signature="c2ln"),
                        call("call_b", "weather", '{"city": "Rome"}'),
                    ],
                },
                {"role": "tool", "tool_call_id": "call_b", "content": '{"temp": 20}'},
                {"role": "tool", "tool_call_id": "call_a", "content": "sunny"},
                {"role": "assistant", "content": "Done.", "tool_calls": [call("call_c", "log", "")]},
                {"role": "tool", "tool_call_id": "call_c", "content": [{"type": "text", "text": "[1, 2]"}]},
            ]
        },
        {
            "contents": [
                user("weather in Paris and Rome?"),
                model_turn(
                    fcall("weather", {"city": "Paris"}, signature="c2ln"),
                    fcall("weather", {"city": "Rome"}),
                ),
                {
                    "role": "user",
                    "parts": [fresp("weather", {"temp": 20}), fresp("weather", {"result": "sunny"})],
                },
                model_turn({"text": "Done."}, fcall("log", {}, signature=SKIP_SIGNATURE)),
                {"role": "user", "parts": [fresp("log", {"result": "[1, 2]"})]},
            ]
        },
        id="tool-results-mapped-to-names",
    ),
    pytest.param(
        {
            "messages": [
                {"role": "assistant", "tool_calls": [call("x", "f", "{not json")]},
                {"role": "function", "name": "f", "content": "ok"},
            ]
        },
        {
            "contents": [
                model_turn(fcall("f", {"raw_arguments": "{not json"}, signature=SKIP_SIGNATURE)),
                {"role": "user", "parts": [fresp("f", {"result": "ok"})]},
            ]
        },
        id="broken-arguments-kept-and-legacy-function-role",
    ),
    pytest.param(
        {
            "messages": [
                {"role": "user", "content": [{"type": "text", "text": ""}, {"type": "text", "text": "q"}]},
                {"role": "assistant", "content": None, "function_call": {"name": "f", "arguments": "{}"}},
                {"role": "function", "name": "f", "content": '{"v": 1}'},
            ],
            "tool_choice": "auto",
        },
        {
            "contents": [
                user("q"),
                model_turn(fcall("f", {}, signature=SKIP_SIGNATURE)),
                {"role": "user", "parts": [fresp("f", {"v": 1})]},
            ]
        },
        id="legacy-function-call-empty-text-and-tool-choice-without-tools",
    ),
]


@pytest.mark.parametrize(("body", "expected"), REQUESTS_FROM_OPENAI)
def test_request_from_openai(body: Json, expected: Json) -> None:
    before = copy.deepcopy(body)
    assert CODEC.request_from_openai(body, "gemini-2.5-flash") == expected
    assert body == before


WEATHER_PARAMS = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "city": {"type": "string", "description": "City", "minLength": 1, "format": "uri"},
        "unit": {"$ref": "#/$defs/Unit", "description": "Unit"},
        "days": {"type": ["integer", "null"], "minimum": 1, "exclusiveMaximum": 8},
        "when": {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "null"}], "default": None},
        "kind": {"const": "forecast"},
        "tags": {"type": "array", "items": {"oneOf": [{"type": "string"}, {"type": "number"}]}},
        "extra": {"allOf": [{"type": "object", "properties": {"x": {"type": "boolean"}}}]},
        "level": {"enum": [1, 2, None]},
    },
    "required": ["city"],
    "$defs": {"Unit": {"type": "string", "enum": ["C", "F"]}},
}

WEATHER_SCHEMA = {
    "type": "OBJECT",
    "properties": {
        "city": {"type": "STRING", "description": "City", "minLength": 1},
        "unit": {"type": "STRING", "enum": ["C", "F"], "description": "Unit"},
        "days": {"type": "INTEGER", "nullable": True, "minimum": 1},
        "when": {"type": "STRING", "format": "date-time", "nullable": True, "default": None},
        "kind": {"enum": ["forecast"]},
        "tags": {"type": "ARRAY", "items": {"anyOf": [{"type": "STRING"}, {"type": "NUMBER"}]}},
        "extra": {"type": "OBJECT", "properties": {"x": {"type": "BOOLEAN"}}},
        "level": {"enum": ["1", "2"], "nullable": True},
    },
    "required": ["city"],
}


def tool(name: str, parameters: Json | None = None, description: str | None = None) -> Json:
    fn: Json = {"name": name}
    if description:
        fn["description"] = description
    if parameters is not None:
        fn["parameters"] = parameters
    return {"type": "function", "function": fn}


@pytest.mark.parametrize(
    ("tools", "expected"),
    [
        pytest.param(
            [tool("weather", WEATHER_PARAMS, "Get weather")],
            [{"name": "weather", "description": "Get weather", "parameters": WEATHER_SCHEMA}],
            id="schema-cleaned",
        ),
        pytest.param(
            [tool("now", {"type": "object", "properties": {}}), tool("ping")],
            [{"name": "now"}, {"name": "ping"}],
            id="no-parameters",
        ),
    ],
)
def test_tools(tools: list[Json], expected: list[Json]) -> None:
    body = {"messages": [{"role": "user", "content": "q"}], "tools": tools}
    before = copy.deepcopy(body)
    out = CODEC.request_from_openai(body, "m")
    assert out["tools"] == [{"functionDeclarations": expected}]
    assert body == before


def test_recursive_ref_is_cut_not_infinite() -> None:
    node = {"type": "object", "properties": {"child": {"$ref": "#/$defs/Node"}}}
    params = {"$ref": "#/$defs/Node", "$defs": {"Node": node}}
    out = CODEC.request_from_openai({"messages": [], "tools": [tool("tree", params)]}, "m")
    depth, schema = 0, out["tools"][0]["functionDeclarations"][0]["parameters"]
    while "properties" in schema:
        schema, depth = schema["properties"]["child"], depth + 1
    assert schema == {"type": "OBJECT"}
    assert 5 < depth < 30


@pytest.mark.parametrize(
    ("tool_choice", "expected"),
    [
        ("auto", {"mode": "AUTO"}),
        ("required", {"mode": "ANY"}),
        ("none", {"mode": "NONE"}),
        (
            {"type": "function", "function": {"name": "weather"}},
            {"mode": "ANY", "allowedFunctionNames": ["weather"]},
        ),
    ],
)
def test_tool_choice(tool_choice: Any, expected: Json) -> None:
    body = {"messages": [], "tools": [tool("weather")], "tool_choice": tool_choice}
    assert CODEC.request_from_openai(body, "m")["toolConfig"] == {"functionCallingConfig": expected}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param(
            {
                "temperature": 0.3,
                "top_p": 0.9,
                "max_tokens": 256,
                "stop": "END",
                "n": 2,
                "seed": 7,
                "presence_penalty": 0.5,
                "frequency_penalty": -0.5,
            },
            {
                "temperature": 0.3,
                "topP": 0.9,
                "maxOutputTokens": 256,
                "stopSequences": ["END"],
                "candidateCount": 2,
                "seed": 7,
                "presencePenalty": 0.5,
                "frequencyPenalty": -0.5,
            },
            id="sampling",
        ),
        pytest.param(
            {"max_tokens": 10, "max_completion_tokens": 99, "stop": ["a", "b"], "temperature": 0},
            {"maxOutputTokens": 99, "stopSequences": ["a", "b"], "temperature": 0},
            id="max-completion-tokens-wins",
        ),
        pytest.param(
            {"response_format": {"type": "json_object"}},
            {"responseMimeType": "application/json"},
            id="json-object",
        ),
        pytest.param(
            {
                "response_format": {
                    "type": "json_schema",
                    "json_schema": {"name": "w", "schema": WEATHER_PARAMS},
                }
            },
            {"responseMimeType": "application/json", "responseSchema": WEATHER_SCHEMA},
            id="json-schema",
        ),
        pytest.param({"response_format": {"type": "text"}, "stream": True, "user": "u"}, None, id="none"),
    ],
)
def test_generation_config(params: Json, expected: Json | None) -> None:
    out = CODEC.request_from_openai({"messages": [{"role": "user", "content": "q"}], **params}, "m")
    assert out.get("generationConfig") == expected
    assert "model" not in out


@pytest.mark.parametrize(
    ("messages", "tools", "fragment"),
    [
        ([{"role": "tool", "tool_call_id": "nope", "content": "x"}], None, "answers no earlier"),
        ([{"role": "user", "content": [{"type": "file", "file": {"file_id": "f1"}}]}], None, "'file'"),
        (
            [
                {
                    "role": "user",
                    "content": [{"type": "image_url", "image_url": {"url": "data:image/png,abc"}}],
                }
            ],
            None,
            "base64",
        ),
        ([{"role": "critic", "content": "x"}], None, "'critic'"),
        ([], [{"type": "custom", "custom": {"name": "x"}}], "'custom'"),
    ],
)
def test_request_from_openai_rejects(messages: list[Json], tools: Any, fragment: str) -> None:
    body: Json = {"messages": messages}
    if tools:
        body["tools"] = tools
    with pytest.raises(BadRequest, match=fragment):
        CODEC.request_from_openai(body, "m")


# ---- Gemini request -> OpenAI ------------------------------------------------------------------------

REQUESTS_TO_OPENAI = [
    pytest.param(
        {
            "systemInstruction": {"parts": [{"text": "A"}, {"text": "B"}]},
            "contents": [user("hi"), model_turn({"text": "hello", "thought": True}, {"text": "Hello!"})],
        },
        {
            "model": "",
            "messages": [
                {"role": "system", "content": "A\nB"},
                {"role": "user", "content": "hi"},
                {"role": "assistant", "content": "Hello!"},
            ],
        },
        id="system-and-turns",
    ),
    pytest.param(
        {
            "contents": [
                user("weather?"),
                model_turn(
                    {"text": "Checking."},
                    fcall("weather", {"city": "Paris"}, signature="c2ln"),
                    fcall("weather", {"city": "Rome"}),
                    fcall("log", {}, signature=SKIP_SIGNATURE),
                ),
                {
                    "role": "user",
                    "parts": [
                        fresp("weather", {"temp": 20}),
                        fresp("weather", {"result": "sunny"}),
                        {"functionResponse": {"id": "own", "name": "log", "response": {"result": 1}}},
                        {"text": "thanks"},
                    ],
                },
            ]
        },
        {
            "model": "",
            "messages": [
                {"role": "user", "content": "weather?"},
                {
                    "role": "assistant",
                    "content": "Checking.",
                    "tool_calls": [
                        call("call_1", "weather", '{"city":"Paris"}', signature="c2ln"),
                        call("call_2", "weather", '{"city":"Rome"}'),
                        call("call_3", "log", "{}"),
                    ],
                },
                {"role": "tool", "tool_call_id": "call_1", "content": '{"temp":20}'},
                {"role": "tool", "tool_call_id": "call_2", "content": "sunny"},
                {"role": "tool", "tool_call_id": "own", "content": '{"result":1}'},
                {"role": "user", "content": "thanks"},
            ],
        },
        id="function-calls-and-responses",
    ),
    pytest.param(
        {
            "contents": [
                {
                    "role": "user",
                    "parts": [
                        {"text": "look"},
                        {"inlineData": {"mimeType": "image/png", "data": "AAA"}},
                        {"inlineData": {"mimeType": "audio/wav", "data": "BBB"}},
                        {"inlineData": {"mimeType": "application/pdf", "data": "CCC"}},
                        {"fileData": {"mimeType": "image/jpeg", "fileUri": "https://x/y.jpg"}},
                    ],
                }
            ]
        },
        {
            "model": "",
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "look"},
                        {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAA"}},
                        {"type": "input_audio", "input_audio": {"data": "BBB", "format": "wav"}},
                        {"type": "file", "file": {"file_data": "data:application/pdf;base64,CCC"}},
                        {"type": "image_url", "image_url": {"url": "https://x/y.jpg"}},
                    ],
                }
            ],
        },
        id="media",
    ),
    pytest.param(
        {
            "contents": [user("q")],
            "tools": [
                {
                    "functionDeclarations": [
                        {
                            "name": "weather",
                            "description": "Get weather",
                            "parameters": {
                                "type": "OBJECT",
                                "properties": {"days": {"type": "INTEGER", "nullable": True}},
                                "required": ["days"],
                                "propertyOrdering": ["days"],
                            },
                        },
                        {"name": "raw", "parametersJsonSchema": {"type": "object"}},
                        {"name": "ping"},
                    ]
                }
            ],
            "toolConfig": {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["ping"]}},
            "generationConfig": {
                "temperature": 0.1,
                "topP": 0.8,
                "topK": 40,
                "maxOutputTokens": 64,
                "stopSequences": ["X"],
                "candidateCount": 1,
                "seed": 3,
                "presencePenalty": 0.2,
                "frequencyPenalty": 0.4,
                "responseMimeType": "application/json",
                "responseSchema": {"type": "STRING", "enum": ["a", "b"], "format": "enum"},
            },
        },
        {
            "model": "",
            "messages": [{"role": "user", "content": "q"}],
            "tools": [
                tool(
                    "weather",
                    {
                        "type": "object",
                        "properties": {"days": {"type": ["integer", "null"]}},
                        "required": ["days"],
                    },
                    "Get weather",
                ),
                tool("raw", {"type": "object"}),
                tool("ping", {"type": "object", "properties": {}}),
            ],
            "tool_choice": {"type": "function", "function": {"name": "ping"}},
            "temperature": 0.1,
            "top_p": 0.8,
            "max_tokens": 64,
            "stop": ["X"],
            "n": 1,
            "seed": 3,
            "presence_penalty": 0.2,
            "frequency_penalty": 0.4,
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "response", "schema": {"type": "string", "enum": ["a", "b"]}},
            },
        },
        id="tools-and-generation-config",
    ),
]


@pytest.mark.parametrize(("body", "expected"), REQUESTS_TO_OPENAI)
def test_request_to_openai(body: Json, expected: Json) -> None:
    before = copy.deepcopy(body)
    assert CODEC.request_to_openai(body) == expected
    assert body == before


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"mode": "AUTO"}, "auto"),
        ({"mode": "ANY"}, "required"),
        ({"mode": "ANY", "allowedFunctionNames": ["a", "b"]}, "required"),
        ({"mode": "NONE"}, "none"),
    ],
)
def test_tool_config_to_openai(config: Json, expected: Any) -> None:
    body = {"contents": [], "toolConfig": {"functionCallingConfig": config}}
    assert CODEC.request_to_openai(body)["tool_choice"] == expected


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"contents": [user("q")], "tools": [{"googleSearch": {}}]}, "googleSearch"),
        ({"contents": [{"role": "user", "parts": [fresp("f", {})]}]}, "answers no earlier functionCall"),
    ],
)
def test_request_to_openai_rejects(body: Json, fragment: str) -> None:
    with pytest.raises(BadRequest, match=fragment):
        CODEC.request_to_openai(body)


def test_request_round_trip_through_gemini() -> None:
    body = {
        "messages": [
            {"role": "system", "content": "S"},
            {"role": "user", "content": "q"},
            {"role": "assistant", "content": None, "tool_calls": [call("call_9", "f", '{"a":1}', "sig")]},
            {"role": "tool", "tool_call_id": "call_9", "content": '{"ok":true}'},
        ],
        "temperature": 0.5,
    }
    back = CODEC.request_to_openai(CODEC.request_from_openai(body, "m"))
    assert back["messages"] == [
        {"role": "system", "content": "S"},
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": None, "tool_calls": [call("call_1", "f", '{"a":1}', "sig")]},
        {"role": "tool", "tool_call_id": "call_1", "content": '{"ok":true}'},
    ]
    assert back["temperature"] == 0.5


# ---- Gemini response -> OpenAI -----------------------------------------------------------------------


def gemini_response(parts: list[Json] | None, finish: str | None = "STOP", **extra: Any) -> Json:
    cand: Json = {"index": 0}
    if parts is not None:
        cand["content"] = {"role": "model", "parts": parts}
    if finish:
        cand["finishReason"] = finish
    return {"candidates": [cand], "modelVersion": "gemini-2.5-flash", "responseId": "r1", **extra}


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


# ---- embeddings --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "model", "expected"),
    [
        pytest.param(
            {"model": "alias", "input": "hello"},
            "gemini-embedding-001",
            {
                "requests": [
                    {"model": "models/gemini-embedding-001", "content": {"parts": [{"text": "hello"}]}},
                ]
            },
            id="single",
        ),
        pytest.param(
            {"input": ["a", "b"], "dimensions": 256, "encoding_format": "float"},
            "models/text-embedding-004",
            {
                "requests": [
                    {
                        "model": "models/text-embedding-004",
                        "content": {"parts": [{"text": "a"}]},
                        "outputDimensionality": 256,
                    },
                    {
                        "model": "models/text-embedding-004",
                        "content": {"parts": [{"text": "b"}]},
                        "outputDimensionality": 256,
                    },
                ]
            },
            id="batch-with-dimensions",
        ),
    ],
)
def test_embeddings_request(body: Json, model: str, expected: Json) -> None:
    assert embeddings_request_from_openai(body, model) == expected


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"input": [1, 2, 3]}, "token arrays"),
        ({"input": [[1, 2], [3]]}, "token arrays"),
        ({"input": []}, "non-empty"),
        ({}, "non-empty"),
        ({"input": "x", "encoding_format": "int8"}, "encoding_format"),
    ],
)
def test_embeddings_request_rejects(body: Json, fragment: str) -> None:
    with pytest.raises(BadRequest, match=fragment):
        embeddings_request_from_openai(body, "m")


def test_embeddings_response() -> None:
    body = {"embeddings": [{"values": [0.5, -1.0]}, {"values": [0.25, 2.0]}]}
    assert embeddings_response_to_openai(body, "alias", ["a", "b"]) == {
        "object": "list",
        "data": [
            {"object": "embedding", "index": 0, "embedding": [0.5, -1.0]},
            {"object": "embedding", "index": 1, "embedding": [0.25, 2.0]},
        ],
        "model": "alias",
        "usage": {"prompt_tokens": 0, "total_tokens": 0},
    }
    assert embeddings_usage(body) == Usage(input_tokens=None, output_tokens=None)


def test_embeddings_response_base64() -> None:
    body = {"embeddings": [{"values": [0.5, -1.0, 3.25]}]}
    out = embeddings_response_to_openai(body, "alias", ["a"], encoding_format="base64")
    raw = base64.b64decode(out["data"][0]["embedding"])
    assert struct.unpack("<3f", raw) == (0.5, -1.0, 3.25)


def test_embeddings_response_count_mismatch() -> None:
    with pytest.raises(BadGateway, match="1 embeddings for 2 inputs"):
        embeddings_response_to_openai({"embeddings": [{"values": [1.0]}]}, "m", ["a", "b"])
