"""OpenAI chat <-> Gemini generateContent requests, both directions: tables, tools and their schemas,
generation config, rejections."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from bastion.errors import BadRequest
from bastion.translate.gemini import SKIP_SIGNATURE
from translate.gemini_cases import CODEC, Json, call, fcall, fresp, model_turn, user

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
