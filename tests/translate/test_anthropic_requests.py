"""Anthropic Messages <-> OpenAI chat requests, both directions: parametrised tables."""

from __future__ import annotations

import copy

import orjson
import pytest

from translate.anthropic_cases import (
    PNG,
    SCHEMA,
    Json,
    areq,
    assistant,
    call,
    codec,
    oreq,
    text,
    tool_use,
    user,
)

# ---- Anthropic request -> OpenAI request ------------------------------------------------------------

TO_OPENAI_MESSAGES = [
    pytest.param(
        areq([user("hi")], system="be brief"),
        [{"role": "system", "content": "be brief"}, user("hi")],
        id="system-str",
    ),
    pytest.param(
        areq([user("hi")], system=[text("a"), {**text("b"), "cache_control": {"type": "ephemeral"}}]),
        [{"role": "system", "content": "a\nb"}, user("hi")],
        id="system-blocks",
    ),
    pytest.param(
        areq([user("q1"), assistant("a1"), user([text("q2"), text("more")])]),
        [user("q1"), assistant("a1"), user([text("q2"), text("more")])],
        id="multi-turn",
    ),
    pytest.param(areq([user([text("only")])]), [user("only")], id="single-text-block-collapses"),
    pytest.param(
        areq(
            [
                user(
                    [
                        {
                            "type": "image",
                            "source": {"type": "base64", "media_type": "image/png", "data": PNG},
                        },
                        text("what?"),
                    ]
                )
            ]
        ),
        [user([{"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}}, text("what?")])],
        id="image-base64",
    ),
    pytest.param(
        areq([user([{"type": "image", "source": {"type": "url", "url": "https://x.test/a.jpg"}}])]),
        [user([{"type": "image_url", "image_url": {"url": "https://x.test/a.jpg"}}])],
        id="image-url",
    ),
    pytest.param(
        areq(
            [
                user(
                    [
                        {
                            "type": "document",
                            "title": "r.pdf",
                            "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBE"},
                        }
                    ]
                )
            ]
        ),
        [
            user(
                [
                    {
                        "type": "file",
                        "file": {"filename": "r.pdf", "file_data": "data:application/pdf;base64,JVBE"},
                    }
                ]
            )
        ],
        id="document-pdf",
    ),
    pytest.param(
        areq(
            [
                user(
                    [
                        {
                            "type": "document",
                            "title": "Notes",
                            "source": {"type": "text", "media_type": "text/plain", "data": "n1"},
                        },
                        text("sum"),
                    ]
                )
            ]
        ),
        [user([text("Notes\n\nn1"), text("sum")])],
        id="document-text",
    ),
    pytest.param(
        areq([user([{"type": "document", "source": {"type": "url", "url": "https://x.test/d.pdf"}}])]),
        [user("[document: https://x.test/d.pdf]")],
        id="document-url",
    ),
    pytest.param(
        areq(
            [user("w?"), assistant([text("Let me look. "), tool_use("toolu_1", "weather", {"city": "Oslo"})])]
        ),
        [user("w?"), assistant("Let me look. ", tool_calls=[call("toolu_1", "weather", '{"city":"Oslo"}')])],
        id="tool-use",
    ),
    pytest.param(
        areq([assistant([tool_use("toolu_1", "a", {}), tool_use("toolu_2", "b", {"x": 1})])]),
        [assistant(None, tool_calls=[call("toolu_1", "a", "{}"), call("toolu_2", "b", '{"x":1}')])],
        id="parallel-tool-use-no-text",
    ),
    pytest.param(
        areq(
            [
                assistant(
                    [
                        {"type": "thinking", "thinking": "hmm", "signature": "sig"},
                        {"type": "redacted_thinking", "data": "x"},
                        text("A"),
                    ]
                )
            ]
        ),
        [assistant("A")],
        id="thinking-dropped",
    ),
    pytest.param(
        areq(
            [
                user(
                    [
                        {"type": "tool_result", "tool_use_id": "toolu_1", "content": "12C"},
                        {
                            "type": "tool_result",
                            "tool_use_id": "toolu_2",
                            "content": [text("line1"), text("line2")],
                        },
                        text("thanks"),
                    ]
                )
            ]
        ),
        [
            {"role": "tool", "tool_call_id": "toolu_1", "content": "12C"},
            {"role": "tool", "tool_call_id": "toolu_2", "content": "line1\nline2"},
            user("thanks"),
        ],
        id="tool-results",
    ),
    pytest.param(
        areq([user([{"type": "tool_result", "tool_use_id": "t", "content": "boom", "is_error": True}])]),
        [{"role": "tool", "tool_call_id": "t", "content": "Error: boom"}],
        id="tool-result-error",
    ),
    pytest.param(
        areq(
            [
                user(
                    [
                        {
                            "type": "tool_result",
                            "tool_use_id": "t",
                            "content": [
                                text("shot"),
                                {
                                    "type": "image",
                                    "source": {"type": "base64", "media_type": "image/png", "data": PNG},
                                },
                            ],
                        }
                    ]
                )
            ]
        ),
        [
            {"role": "tool", "tool_call_id": "t", "content": "shot"},
            user([{"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}}]),
        ],
        id="tool-result-image-moves-to-user",
    ),
]


@pytest.mark.parametrize(("body", "messages"), TO_OPENAI_MESSAGES)
def test_request_to_openai_messages(body: Json, messages: list[Json]) -> None:
    assert codec.request_to_openai(body)["messages"] == messages


TOOLS_A = [
    {"name": "weather", "description": "Weather now", "input_schema": SCHEMA},
    {"type": "web_search_20250305", "name": "web_search", "max_uses": 3},
]
FN_WEATHER = {
    "type": "function",
    "function": {"name": "weather", "parameters": SCHEMA, "description": "Weather now"},
}

TO_OPENAI_PARAMS = [
    pytest.param({"max_tokens": 256}, {"max_tokens": 256}, id="max-tokens"),
    pytest.param(
        {"temperature": 0.2, "top_p": 0.9, "top_k": 5, "stop_sequences": ["END", "\n\nHuman:"]},
        {"max_tokens": 256, "temperature": 0.2, "top_p": 0.9, "stop": ["END", "\n\nHuman:"]},
        id="sampling-and-stop",
    ),
    pytest.param(
        {"stream": True, "metadata": {"user_id": "u-42"}},
        {"max_tokens": 256, "stream": True, "stream_options": {"include_usage": True}, "user": "u-42"},
        id="stream-and-user",
    ),
    pytest.param(
        {"tools": TOOLS_A}, {"max_tokens": 256, "tools": [FN_WEATHER]}, id="tools-server-tool-dropped"
    ),
    pytest.param(
        {"tools": TOOLS_A, "tool_choice": {"type": "auto"}},
        {"max_tokens": 256, "tools": [FN_WEATHER], "tool_choice": "auto"},
        id="choice-auto",
    ),
    pytest.param(
        {"tools": TOOLS_A, "tool_choice": {"type": "any", "disable_parallel_tool_use": True}},
        {"max_tokens": 256, "tools": [FN_WEATHER], "tool_choice": "required", "parallel_tool_calls": False},
        id="choice-any-no-parallel",
    ),
    pytest.param(
        {"tools": TOOLS_A, "tool_choice": {"type": "tool", "name": "weather"}},
        {
            "max_tokens": 256,
            "tools": [FN_WEATHER],
            "tool_choice": {"type": "function", "function": {"name": "weather"}},
        },
        id="choice-tool",
    ),
    pytest.param(
        {"tools": TOOLS_A, "tool_choice": {"type": "none"}},
        {"max_tokens": 256, "tools": [FN_WEATHER], "tool_choice": "none"},
        id="choice-none",
    ),
    pytest.param({"tool_choice": {"type": "any"}}, {"max_tokens": 256}, id="choice-without-tools-dropped"),
    pytest.param(
        {"thinking": {"type": "enabled", "budget_tokens": 1024}},
        {"max_tokens": 256},
        id="thinking-setting-dropped",
    ),
]


@pytest.mark.parametrize(("extra", "expected"), TO_OPENAI_PARAMS)
def test_request_to_openai_params(extra: Json, expected: Json) -> None:
    out = codec.request_to_openai(areq([user("hi")], **extra))
    assert out == {"model": "claude-sonnet-4-5", "messages": [user("hi")], **expected}


# ---- OpenAI request -> Anthropic request ------------------------------------------------------------

FROM_OPENAI_MESSAGES = [
    pytest.param(
        oreq(
            [{"role": "system", "content": "s1"}, {"role": "developer", "content": [text("s2")]}, user("hi")]
        ),
        {"system": "s1\n\ns2", "messages": [user([text("hi")])]},
        id="system-and-developer",
    ),
    pytest.param(
        oreq([user("a"), user([text("b")]), assistant("c"), assistant("d"), user("e")]),
        {"messages": [user([text("a"), text("b")]), assistant([text("c"), text("d")]), user([text("e")])]},
        id="same-role-merged",
    ),
    pytest.param(
        oreq(
            [
                user("w?"),
                assistant(
                    None,
                    tool_calls=[
                        call("call_1", "weather", '{"city": "Oslo"}'),
                        call("call_2", "bad", "{oops"),
                    ],
                ),
            ]
        ),
        {
            "messages": [
                user([text("w?")]),
                assistant(
                    [
                        tool_use("call_1", "weather", {"city": "Oslo"}),
                        tool_use("call_2", "bad", {"_raw": "{oops"}),
                    ]
                ),
            ]
        },
        id="tool-calls",
    ),
    pytest.param(
        oreq(
            [
                user("w?"),
                assistant(
                    "Checking", tool_calls=[call("call_1", "weather", "{}"), call("call_2", "weather", "")]
                ),
                {"role": "tool", "tool_call_id": "call_1", "content": "12C"},
                {"role": "tool", "tool_call_id": "call_2", "content": [text("8C")]},
                user("and tomorrow?"),
            ]
        ),
        {
            "messages": [
                user([text("w?")]),
                assistant(
                    [text("Checking"), tool_use("call_1", "weather", {}), tool_use("call_2", "weather", {})]
                ),
                user(
                    [
                        {"type": "tool_result", "tool_use_id": "call_1", "content": "12C"},
                        {"type": "tool_result", "tool_use_id": "call_2", "content": "8C"},
                        text("and tomorrow?"),
                    ]
                ),
            ]
        },
        id="tool-results-merged-into-user",
    ),
    pytest.param(
        oreq(
            [
                user("x"),
                assistant(None, tool_calls=[call("c", "f", "{}")]),
                user("ignore that"),
                {"role": "tool", "tool_call_id": "c", "content": ""},
            ]
        ),
        {
            "messages": [
                user([text("x")]),
                assistant([tool_use("c", "f", {})]),
                user([{"type": "tool_result", "tool_use_id": "c"}, text("ignore that")]),
            ]
        },
        id="tool-results-sorted-first",
    ),
    pytest.param(
        oreq(
            [
                user(
                    [
                        text("see"),
                        {
                            "type": "image_url",
                            "image_url": {"url": f"data:image/jpeg;base64,{PNG}", "detail": "high"},
                        },
                        {"type": "image_url", "image_url": {"url": "https://x.test/a.png"}},
                    ]
                )
            ]
        ),
        {
            "messages": [
                user(
                    [
                        text("see"),
                        {
                            "type": "image",
                            "source": {"type": "base64", "media_type": "image/jpeg", "data": PNG},
                        },
                        {"type": "image", "source": {"type": "url", "url": "https://x.test/a.png"}},
                    ]
                )
            ]
        },
        id="images",
    ),
    pytest.param(
        oreq(
            [
                user(
                    [
                        {
                            "type": "file",
                            "file": {"filename": "a.pdf", "file_data": "data:application/pdf;base64,JVBE"},
                        }
                    ]
                )
            ]
        ),
        {
            "messages": [
                user(
                    [
                        {
                            "type": "document",
                            "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBE"},
                            "title": "a.pdf",
                        }
                    ]
                )
            ]
        },
        id="pdf-file",
    ),
    pytest.param(
        oreq([user("Say hi"), assistant("Hi there \n")]),
        {"messages": [user([text("Say hi")]), assistant([text("Hi there")])]},
        id="prefill-trailing-space-trimmed",
    ),
    pytest.param(
        oreq([user("q"), assistant(""), user("q again")]),
        {"messages": [user([text("q"), text("q again")])]},
        id="empty-assistant-dropped",
    ),
]


@pytest.mark.parametrize(("body", "expected"), FROM_OPENAI_MESSAGES)
def test_request_from_openai_messages(body: Json, expected: Json) -> None:
    out = codec.request_from_openai(body, "claude-x")
    assert {k: v for k, v in out.items() if k in ("system", "messages")} == expected
    assert out["model"] == "claude-x"


def image_source(source: Json) -> Json:
    return {"type": "image", "source": source}


def file_part(**file: str) -> Json:
    return {"type": "file", "file": file}


USER_PARTS_FROM_OPENAI = [
    pytest.param(
        {"type": "image_url", "image_url": "https://x.test/a.png"},
        image_source({"type": "url", "url": "https://x.test/a.png"}),
        id="image-url-as-string",
    ),
    pytest.param(
        {"type": "image_url", "image_url": {"url": "data:image/svg+xml,%3Csvg%2F%3E"}},
        image_source({"type": "base64", "media_type": "image/svg+xml", "data": "PHN2Zy8+"}),
        id="image-data-url-not-base64",
    ),
    pytest.param(
        file_part(filename="n.txt", file_data="data:text/plain;base64,aGVsbG8="),
        {
            "type": "document",
            "source": {"type": "text", "media_type": "text/plain", "data": "hello"},
            "title": "n.txt",
        },
        id="text-file",
    ),
    pytest.param(
        file_part(file_data="data:text/plain;base64,a"),
        {"type": "document", "source": {"type": "base64", "media_type": "text/plain", "data": "a"}},
        id="text-file-bad-base64-left-for-upstream",
    ),
    pytest.param(file_part(file_id="file-abc"), None, id="openai-file-id-dropped"),
    pytest.param(
        {"type": "input_audio", "input_audio": {"data": "AAA", "format": "wav"}}, None, id="audio-dropped"
    ),
]


@pytest.mark.parametrize(("part", "block"), USER_PARTS_FROM_OPENAI)
def test_user_parts_from_openai(part: Json, block: Json | None) -> None:
    out = codec.request_from_openai(oreq([user([text("x"), part])]), "claude-x")
    assert out["messages"] == [user([text("x")] + ([block] if block else []))]


TOOLS_O = [
    {"type": "function", "function": {"name": "weather", "description": "Weather now", "parameters": SCHEMA}},
    {"type": "function", "function": {"name": "noargs"}},
]
TOOLS_O_AS_A = [
    {"name": "weather", "input_schema": SCHEMA, "description": "Weather now"},
    {"name": "noargs", "input_schema": {"type": "object", "properties": {}}},
]

FROM_OPENAI_PARAMS = [
    pytest.param({}, {"max_tokens": 4096}, id="default-max-tokens"),
    pytest.param({"max_tokens": 100}, {"max_tokens": 100}, id="max-tokens"),
    pytest.param(
        {"max_completion_tokens": 50, "max_tokens": 100}, {"max_tokens": 50}, id="max-completion-tokens"
    ),
    pytest.param({"stop": "END"}, {"max_tokens": 4096, "stop_sequences": ["END"]}, id="stop-str"),
    pytest.param({"stop": ["a", "b"]}, {"max_tokens": 4096, "stop_sequences": ["a", "b"]}, id="stop-list"),
    pytest.param(
        {"temperature": 1.7, "top_p": 0.5, "n": 3, "seed": 1, "presence_penalty": 1},
        {"max_tokens": 4096, "temperature": 1, "top_p": 0.5},
        id="sampling-clamped-unsupported-dropped",
    ),
    pytest.param(
        {"stream": True, "stream_options": {"include_usage": True}, "user": "u-1"},
        {"max_tokens": 4096, "stream": True, "metadata": {"user_id": "u-1"}},
        id="stream-and-user",
    ),
    pytest.param({"tools": TOOLS_O}, {"max_tokens": 4096, "tools": TOOLS_O_AS_A}, id="tools"),
    pytest.param(
        {"tools": TOOLS_O, "tool_choice": "auto"},
        {"max_tokens": 4096, "tools": TOOLS_O_AS_A, "tool_choice": {"type": "auto"}},
        id="choice-auto",
    ),
    pytest.param(
        {"tools": TOOLS_O, "tool_choice": "required"},
        {"max_tokens": 4096, "tools": TOOLS_O_AS_A, "tool_choice": {"type": "any"}},
        id="choice-required",
    ),
    pytest.param(
        {"tools": TOOLS_O, "tool_choice": "none"},
        {"max_tokens": 4096, "tools": TOOLS_O_AS_A, "tool_choice": {"type": "none"}},
        id="choice-none",
    ),
    pytest.param(
        {"tools": TOOLS_O, "tool_choice": {"type": "function", "function": {"name": "weather"}}},
        {"max_tokens": 4096, "tools": TOOLS_O_AS_A, "tool_choice": {"type": "tool", "name": "weather"}},
        id="choice-named",
    ),
    pytest.param(
        {"tools": TOOLS_O, "parallel_tool_calls": False},
        {
            "max_tokens": 4096,
            "tools": TOOLS_O_AS_A,
            "tool_choice": {"type": "auto", "disable_parallel_tool_use": True},
        },
        id="no-parallel",
    ),
    pytest.param({"tool_choice": "required"}, {"max_tokens": 4096}, id="choice-without-tools-dropped"),
    pytest.param(
        {"response_format": {"type": "json_object"}},
        {"max_tokens": 4096, "system": "Respond with a single valid JSON object and nothing else."},
        id="json-object",
    ),
]


@pytest.mark.parametrize(("extra", "expected"), FROM_OPENAI_PARAMS)
def test_request_from_openai_params(extra: Json, expected: Json) -> None:
    out = codec.request_from_openai(oreq([user("hi")], **extra), "claude-x")
    assert out == {"model": "claude-x", "messages": [user([text("hi")])], **expected}


def test_request_from_openai_json_schema_becomes_system_instruction() -> None:
    fmt = {"type": "json_schema", "json_schema": {"name": "w", "schema": SCHEMA}}
    body = oreq([{"role": "system", "content": "be exact"}, user("hi")], response_format=fmt)
    system = codec.request_from_openai(body, "claude-x")["system"]
    assert system.startswith(
        "be exact\n\nRespond with a single JSON object that conforms to this JSON schema"
    )
    assert orjson.loads(system.split("\n")[-1]) == SCHEMA


@pytest.mark.parametrize(
    ("body", "direction"),
    [
        (areq([user([text("a"), tool_use("t", "f", {"k": [1]})])], system=[text("s")], tools=TOOLS_A), "to"),
        (oreq([user("a"), user([text("b")]), assistant("c \n", tool_calls=[call("c", "f", "{}")])]), "from"),
    ],
)
def test_requests_do_not_mutate_input(body: Json, direction: str) -> None:
    before = copy.deepcopy(body)
    out = codec.request_to_openai(body) if direction == "to" else codec.request_from_openai(body, "m")
    orjson.dumps(out)
    assert body == before


def test_request_round_trip_through_hub_keeps_the_conversation() -> None:
    body = areq(
        [
            user("w?"),
            assistant([text("Checking."), tool_use("toolu_1", "weather", {"city": "Oslo"})]),
            user([{"type": "tool_result", "tool_use_id": "toolu_1", "content": "12C"}, text("thanks")]),
        ],
        system="be brief",
        tools=[TOOLS_A[0]],
        tool_choice={"type": "tool", "name": "weather"},
        stop_sequences=["END"],
        temperature=0.5,
    )
    back = codec.request_from_openai(codec.request_to_openai(body), "claude-sonnet-4-5")
    assert back == {
        **body,
        "messages": [
            user([text("w?")]),
            body["messages"][1],
            user([{"type": "tool_result", "tool_use_id": "toolu_1", "content": "12C"}, text("thanks")]),
        ],
    }
