"""Request transforms per inbound API: (api, body, transform, expected body)."""

# ruff: noqa: E501

from __future__ import annotations

import copy
from typing import Any

import pytest

from bastion.apis import registry
from bastion.policy import transform

OA_TOOL = {"type": "function", "function": {"name": "search", "parameters": {}}}
OA_TOOL2 = {"type": "function", "function": {"name": "calc", "parameters": {}}}
AN_TOOL = {"name": "search", "input_schema": {"type": "object"}}
AN_TOOL2 = {"name": "calc", "input_schema": {"type": "object"}}
RS_TOOL = {"type": "function", "name": "search", "parameters": {}}
MSGS = [{"role": "user", "content": "hi"}]
GM_SEARCH = {"name": "search", "parameters": {"type": "object"}}
GM_CALC = {"name": "calc", "parameters": {"type": "object"}}
GM_TOOLS = {"functionDeclarations": [GM_SEARCH, GM_CALC]}

CASES: list[tuple[str, dict[str, Any], dict[str, Any], dict[str, Any], list[str]]] = [
    # max_tokens
    ("openai.chat", {"max_tokens": 900}, {"max_tokens": 100}, {"max_tokens": 100}, ["max_tokens"]),
    ("openai.chat", {"max_tokens": 50}, {"max_tokens": 100}, {"max_tokens": 50}, []),
    ("openai.chat", {"max_completion_tokens": 900}, {"max_tokens": 100}, {"max_completion_tokens": 100},
     ["max_tokens"]),
    ("openai.chat", {}, {"max_tokens": 100}, {"max_completion_tokens": 100}, ["max_tokens"]),
    ("anthropic.messages", {"max_tokens": 4096}, {"max_tokens": 256}, {"max_tokens": 256}, ["max_tokens"]),
    ("openai.responses", {}, {"max_tokens": 64}, {"max_output_tokens": 64}, ["max_tokens"]),
    ("openai.embeddings", {"input": "x"}, {"max_tokens": 64}, {"input": "x"}, []),
    # tools
    ("openai.chat", {"tools": [OA_TOOL], "tool_choice": "auto", "parallel_tool_calls": True},
     {"tools": "strip"}, {}, ["tools"]),
    ("openai.chat", {"functions": [{"name": "f"}], "function_call": "auto"}, {"tools": "strip"}, {}, ["tools"]),
    ("openai.chat", {"tools": [OA_TOOL, OA_TOOL2], "tool_choice": {"type": "function", "function": {"name": "search"}}},
     {"tools": frozenset({"calc"})}, {"tools": [OA_TOOL2]}, ["tools"]),
    ("openai.chat", {"tools": [OA_TOOL]}, {"tools": frozenset({"search"})}, {"tools": [OA_TOOL]}, []),
    ("anthropic.messages", {"tools": [AN_TOOL, AN_TOOL2], "tool_choice": {"type": "tool", "name": "calc"}},
     {"tools": frozenset({"calc"})}, {"tools": [AN_TOOL2], "tool_choice": {"type": "tool", "name": "calc"}},
     ["tools"]),
    ("anthropic.messages", {"tools": [AN_TOOL]}, {"tools": frozenset({"other"})}, {}, ["tools"]),
    ("openai.responses", {"tools": [RS_TOOL], "tool_choice": "required"}, {"tools": "strip"}, {}, ["tools"]),
    ("openai.chat", {}, {"tools": "strip"}, {}, []),
    # system instruction
    ("openai.chat", {"messages": copy.deepcopy(MSGS)}, {"system_prompts": ["Be safe."]},
     {"messages": [{"role": "system", "content": "Be safe."}, *MSGS]}, ["system_prompt"]),
    ("anthropic.messages", {"messages": MSGS}, {"system_prompts": ["A", "B"]},
     {"messages": MSGS, "system": "A\n\nB"}, ["system_prompt"]),
    ("anthropic.messages", {"system": "Old."}, {"system_prompts": ["New."]}, {"system": "New.\n\nOld."},
     ["system_prompt"]),
    ("anthropic.messages", {"system": [{"type": "text", "text": "Old."}]}, {"system_prompts": ["New."]},
     {"system": [{"type": "text", "text": "New."}, {"type": "text", "text": "Old."}]}, ["system_prompt"]),
    ("openai.responses", {"instructions": "Old."}, {"system_prompts": ["New."]}, {"instructions": "New.\n\nOld."},
     ["system_prompt"]),
    ("openai.responses", {}, {"system_prompts": ["New."]}, {"instructions": "New."}, ["system_prompt"]),
    # Gemini's native API
    ("gemini.generate", {}, {"max_tokens": 64}, {"generationConfig": {"maxOutputTokens": 64}}, ["max_tokens"]),
    ("gemini.generate", {"generationConfig": {"maxOutputTokens": 900, "temperature": 0}}, {"max_tokens": 64},
     {"generationConfig": {"maxOutputTokens": 64, "temperature": 0}}, ["max_tokens"]),
    ("gemini.generate", {"generationConfig": {"maxOutputTokens": 10}}, {"max_tokens": 64},
     {"generationConfig": {"maxOutputTokens": 10}}, []),
    ("gemini.generate", {"tools": [GM_TOOLS], "toolConfig": {"functionCallingConfig": {"mode": "ANY"}}},
     {"tools": "strip"}, {}, ["tools"]),
    ("gemini.generate", {"tools": [GM_TOOLS, {"googleSearch": {}}],
                         "toolConfig": {"functionCallingConfig": {"allowedFunctionNames": ["search", "calc"]}}},
     {"tools": frozenset({"calc"})},
     {"tools": [{"functionDeclarations": [GM_CALC]}],
      "toolConfig": {"functionCallingConfig": {"allowedFunctionNames": ["calc"]}}}, ["tools"]),
    ("gemini.generate", {"tools": [GM_TOOLS]}, {"tools": frozenset({"search", "calc"})}, {"tools": [GM_TOOLS]}, []),
    ("gemini.generate", {"contents": []}, {"system_prompts": ["New."]},
     {"contents": [], "systemInstruction": {"parts": [{"text": "New."}]}}, ["system_prompt"]),
    ("gemini.generate", {"systemInstruction": {"parts": [{"text": "Old."}]}}, {"system_prompts": ["New."]},
     {"systemInstruction": {"parts": [{"text": "New."}, {"text": "Old."}]}}, ["system_prompt"]),
    ("gemini.generate", {"system_instruction": {"parts": [{"text": "Old."}]}}, {"system_prompts": ["New."]},
     {"system_instruction": {"parts": [{"text": "New."}, {"text": "Old."}]}}, ["system_prompt"]),
]  # fmt: skip


@pytest.mark.parametrize(("api", "body", "kw", "expected", "changed"), CASES)
def test_transform(
    api: str, body: dict[str, Any], kw: dict[str, Any], expected: dict[str, Any], changed: list[str]
) -> None:
    body = copy.deepcopy(body)
    assert transform.apply(body, registry.get(api), **kw) == changed
    assert body == expected
