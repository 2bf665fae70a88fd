"""A format-neutral view of every text segment of a request or response body, and the shared pieces the
client APIs (`bastion.apis`) build their segment walkers and stream meters from.

Stages (PII, policy) read and rewrite text through `Segment`s (`ctx.api.request_segments(body)`) and never
need to know whether the body is OpenAI, Anthropic or Gemini shaped. A segment points into the body
(container + key), so `set()` rewrites the body in place. Segment kinds: system, user, assistant,
tool_result, input, tool_arguments (a JSON-encoded string such as OpenAI's `function.arguments`: values
inside are JSON-escaped) and tool_input (a string leaf of a structured tool input, as in Anthropic
`tool_use.input` or Gemini `functionCall.args`).
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
        return self.container[self.key]

    def set(self, text: str) -> None:
        self.container[self.key] = text


def string_leaves(node: Any, kind: str) -> Iterator[Segment]:
    """Every string leaf of a JSON value (tool inputs, structured tool results)."""
    if isinstance(node, dict):
        for k, v in node.items():
            if isinstance(v, str):
                yield Segment(node, k, kind)
            elif isinstance(v, dict | list):
                yield from string_leaves(v, kind)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            if isinstance(v, str):
                yield Segment(node, i, kind)
            elif isinstance(v, dict | list):
                yield from string_leaves(v, kind)


def openai_content(msg: Json, kind: str) -> Iterator[Segment]:
    content = msg.get("content")
    if isinstance(content, str):
        yield Segment(msg, "content", kind)
    elif isinstance(content, list):
        for part in content:
            is_text = isinstance(part, dict) and part.get("type") in ("text", "input_text", "output_text")
            if is_text and isinstance(part.get("text"), str):
                yield Segment(part, "text", kind)


OPENAI_ROLE_KIND = {
    "system": "system",
    "developer": "system",
    "user": "user",
    "assistant": "assistant",
    "tool": "tool_result",
    "function": "tool_result",
}


def anthropic_blocks(holder: Any, key: Any, kind: str) -> Iterator[Segment]:
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
            yield from string_leaves(block.get("input"), "tool_input")
        elif btype == "tool_result" and "content" in block:
            yield from anthropic_blocks(block, "content", "tool_result")


def gemini_parts(content: Any, kind: str) -> Iterator[Segment]:
    if not isinstance(content, dict):
        return
    for part in content.get("parts") or ():
        if not isinstance(part, dict):
            continue
        if isinstance(part.get("text"), str):
            yield Segment(part, "text", kind)
        elif isinstance(part.get("functionCall"), dict):
            yield from string_leaves(part["functionCall"].get("args"), "tool_input")
        elif isinstance(part.get("functionResponse"), dict):
            yield from string_leaves(part["functionResponse"].get("response"), "tool_result")


SegmentFn = Callable[[Json], Iterator[Segment]]


# --- stream meters: characters of answer text in one client-format stream event -----------------------
_TEXT_KEYS = frozenset({"content", "text", "partial_json", "arguments", "thinking", "refusal", "delta"})
_CONTAINERS = (dict, list)  # a tuple: `dict | list` builds a new union object at every call


def text_chars(node: Any) -> int:
    """Characters of answer text in one client-format stream event (any format)."""
    total = 0
    if isinstance(node, dict):
        for k, v in node.items():
            if isinstance(v, str):
                if k in _TEXT_KEYS:
                    total += len(v)
            elif isinstance(v, _CONTAINERS):
                total += text_chars(v)
    elif isinstance(node, list):
        for v in node:
            if isinstance(v, _CONTAINERS):
                total += text_chars(v)
    return total


def delta_chars(delta: Any) -> int:
    """`text_chars` of one chat choice's `delta`, with the common `{"content": ...}` (+ role) case first."""
    if not isinstance(delta, dict):
        return 0
    content = delta.get("content")
    if type(content) is str and len(delta) == (2 if "role" in delta else 1):
        return len(content)
    return text_chars(delta)


def flat_text_chars(node: dict[str, Any]) -> int:
    """`text_chars` of the text-valued keys directly in `node` (one level, no nesting)."""
    total = 0
    for k, v in node.items():
        if isinstance(v, str) and k in _TEXT_KEYS:
            total += len(v)
    return total
