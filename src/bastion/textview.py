"""A format-neutral view of every text segment of a request or response body.

Stages (PII, policy) read and rewrite text through `Segment`s and never need to know whether the body is
OpenAI, Anthropic or Gemini shaped. A segment points into the body (container + key), so `set()` rewrites
the body in place. Segment kinds: system, user, assistant, tool_result, input, tool_arguments (a JSON-encoded
string such as OpenAI's `function.arguments`: values inside are JSON-escaped) and tool_input (a string leaf of
a structured tool input, as in Anthropic `tool_use.input` or Gemini `functionCall.args`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

Json = dict[str, Any]


@dataclass(slots=True)
class Segment:
    container: Any  # dict or list holding the string
    key: Any  # str key or int index
    kind: str

    @property
    def text(self) -> str:
        return self.container[self.key]  # type: ignore[no-any-return]

    def set(self, text: str) -> None:
        self.container[self.key] = text


def _strings(node: Any, kind: str) -> Iterator[Segment]:
    """Every string leaf of a JSON value (tool inputs, structured tool results)."""
    if isinstance(node, dict):
        for k, v in node.items():
            if isinstance(v, str):
                yield Segment(node, k, kind)
            elif isinstance(v, dict | list):
                yield from _strings(v, kind)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            if isinstance(v, str):
                yield Segment(node, i, kind)
            elif isinstance(v, dict | list):
                yield from _strings(v, kind)


def _openai_content(msg: Json, kind: str) -> Iterator[Segment]:
    content = msg.get("content")
    if isinstance(content, str):
        yield Segment(msg, "content", kind)
    elif isinstance(content, list):
        for part in content:
            is_text = isinstance(part, dict) and part.get("type") in ("text", "input_text", "output_text")
            if is_text and isinstance(part.get("text"), str):
                yield Segment(part, "text", kind)


_OPENAI_ROLE_KIND = {
    "system": "system",
    "developer": "system",
    "user": "user",
    "assistant": "assistant",
    "tool": "tool_result",
    "function": "tool_result",
}


def openai_chat_request(body: Json) -> Iterator[Segment]:
    for msg in body.get("messages") or ():
        if not isinstance(msg, dict):
            continue
        kind = _OPENAI_ROLE_KIND.get(msg.get("role", ""), "user")
        yield from _openai_content(msg, kind)
        for call in msg.get("tool_calls") or ():
            fn = call.get("function") if isinstance(call, dict) else None
            if isinstance(fn, dict) and isinstance(fn.get("arguments"), str):
                yield Segment(fn, "arguments", "tool_arguments")


def openai_chat_response(body: Json) -> Iterator[Segment]:
    for choice in body.get("choices") or ():
        msg = choice.get("message") if isinstance(choice, dict) else None
        if isinstance(msg, dict):
            yield from openai_chat_request({"messages": [msg]})


def _anthropic_blocks(holder: Any, key: Any, kind: str) -> Iterator[Segment]:
    content = holder[key]
    if isinstance(content, str):
        yield Segment(holder, key, kind)
        return
    if not isinstance(content, list):
        return
    for block in content:
        if not isinstance(block, dict):
            continue
        btype = block.get("type")
        if btype == "text" and isinstance(block.get("text"), str):
            yield Segment(block, "text", kind)
        elif btype == "tool_use":
            yield from _strings(block.get("input"), "tool_input")
        elif btype == "tool_result" and "content" in block:
            yield from _anthropic_blocks(block, "content", "tool_result")


def anthropic_request(body: Json) -> Iterator[Segment]:
    if "system" in body:
        yield from _anthropic_blocks(body, "system", "system")
    for msg in body.get("messages") or ():
        if isinstance(msg, dict) and "content" in msg:
            kind = "assistant" if msg.get("role") == "assistant" else "user"
            yield from _anthropic_blocks(msg, "content", kind)


def anthropic_response(body: Json) -> Iterator[Segment]:
    if "content" in body:
        yield from _anthropic_blocks(body, "content", "assistant")


def _gemini_parts(content: Any, kind: str) -> Iterator[Segment]:
    if not isinstance(content, dict):
        return
    for part in content.get("parts") or ():
        if not isinstance(part, dict):
            continue
        if isinstance(part.get("text"), str):
            yield Segment(part, "text", kind)
        elif isinstance(part.get("functionCall"), dict):
            yield from _strings(part["functionCall"].get("args"), "tool_input")
        elif isinstance(part.get("functionResponse"), dict):
            yield from _strings(part["functionResponse"].get("response"), "tool_result")


def gemini_request(body: Json) -> Iterator[Segment]:
    yield from _gemini_parts(body.get("systemInstruction") or body.get("system_instruction"), "system")
    for content in body.get("contents") or ():
        kind = "assistant" if isinstance(content, dict) and content.get("role") == "model" else "user"
        yield from _gemini_parts(content, kind)


def gemini_response(body: Json) -> Iterator[Segment]:
    for cand in body.get("candidates") or ():
        if isinstance(cand, dict):
            yield from _gemini_parts(cand.get("content"), "assistant")


def embeddings_request(body: Json) -> Iterator[Segment]:
    inp = body.get("input")
    if isinstance(inp, str):
        yield Segment(body, "input", "input")
    elif isinstance(inp, list):
        for i, v in enumerate(inp):
            if isinstance(v, str):
                yield Segment(inp, i, "input")


def responses_request(body: Json) -> Iterator[Segment]:
    """OpenAI Responses API: `instructions`, `input` (string or items)."""
    if isinstance(body.get("instructions"), str):
        yield Segment(body, "instructions", "system")
    inp = body.get("input")
    if isinstance(inp, str):
        yield Segment(body, "input", "user")
        return
    for item in inp or ():
        if not isinstance(item, dict):
            continue
        itype = item.get("type", "message")
        if itype == "message":
            yield from _openai_content(item, _OPENAI_ROLE_KIND.get(item.get("role", ""), "user"))
        elif itype == "function_call" and isinstance(item.get("arguments"), str):
            yield Segment(item, "arguments", "tool_arguments")
        elif itype == "function_call_output" and isinstance(item.get("output"), str):
            yield Segment(item, "output", "tool_result")


def responses_response(body: Json) -> Iterator[Segment]:
    for item in body.get("output") or ():
        if isinstance(item, dict):
            if item.get("type") == "message":
                yield from _openai_content(item, "assistant")
            elif item.get("type") == "function_call" and isinstance(item.get("arguments"), str):
                yield Segment(item, "arguments", "tool_arguments")


SegmentFn = Callable[[Json], Iterator[Segment]]

# (api, direction) -> segment walker; the explicit registry stages use.
REQUEST_VIEWS: dict[str, SegmentFn] = {
    "openai.chat": openai_chat_request,
    "anthropic.messages": anthropic_request,
    "gemini.generate": gemini_request,
    "openai.embeddings": embeddings_request,
    "openai.responses": responses_request,
}
RESPONSE_VIEWS: dict[str, SegmentFn] = {
    "openai.chat": openai_chat_response,
    "anthropic.messages": anthropic_response,
    "gemini.generate": gemini_response,
    "openai.responses": responses_response,
}


def segments(body: Json, api: str, response: bool = False) -> list[Segment]:
    views = RESPONSE_VIEWS if response else REQUEST_VIEWS
    fn = views.get(api)
    return list(fn(body)) if fn else []
