"""Anthropic Messages <-> OpenAI chat completions: tables per direction, streams, and round trips through
the official `anthropic` and `openai` SDKs (offline, via a mock transport)."""

from __future__ import annotations

import copy
from typing import Any

import anthropic
import httpx2
import orjson
import pytest
from openai.lib.streaming.chat import ChatCompletionStreamState
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from bastion.sse import SseEvent, SseParser
from bastion.translate.anthropic import AnthropicCodec, StreamError
from bastion.usage import Usage

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


def test_usage_tracker_reads_start_and_delta() -> None:
    tracker = codec.usage_tracker()
    assert tracker.usage is None
    for event in parse_sse(anthropic_tool_stream()):
        tracker.track(event)
    assert tracker.usage == Usage(472 + 30 + 0, 89, cache_read_tokens=30, cache_write_tokens=0)


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


# ---- stream decoder: Anthropic events -> OpenAI chunks ---------------------------------------------


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
