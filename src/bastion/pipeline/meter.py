"""Counts the answer text of stream events, so a stream that ends without the provider's usage (the client
went away, a provider that does not report it) is still costed from its content (`bastion.cost.accounting`).
The call stage's relay (`bastion.pipeline.relay`) counts each client-format event as it passes, into the
limits ticket: no extra generator layer per event. Non-streaming answers need nothing here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_TEXT_KEYS = frozenset({"content", "text", "partial_json", "arguments", "thinking", "refusal", "delta"})
_CONTAINERS = (dict, list)  # a tuple: `dict | list` builds a new union object at every call


def text_chars(node: Any) -> int:
    """Characters of answer text in one client-format stream event (any of the three formats)."""
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


def chat_chunk_chars(node: Any) -> int:
    """`text_chars` for an OpenAI chat chunk, reading only where its text can be (`choices[].delta`)."""
    if not isinstance(node, dict):
        return 0
    choices = node.get("choices")
    if not choices:  # e.g. the usage-only chunk
        return 0 if "error" not in node else text_chars(node)
    return sum(delta_chars(c.get("delta")) for c in choices if isinstance(c, dict))


def message_event_chars(node: Any) -> int:
    """`text_chars` for an Anthropic stream event: the text is in `delta` (or a starting content block)."""
    if not isinstance(node, dict):
        return 0
    delta = node.get("delta")
    if isinstance(delta, dict):
        total = 0
        for k, v in delta.items():
            if isinstance(v, str) and k in _TEXT_KEYS:
                total += len(v)
        return total
    block = node.get("content_block")
    return text_chars(block) if isinstance(block, dict) else 0


_COUNTERS: dict[str, Callable[[Any], int]] = {
    "openai.chat": chat_chunk_chars,
    "anthropic.messages": message_event_chars,
}


def stream_counter(api: str) -> Callable[[Any], int]:
    """The answer-text counter for the client-format events of inbound API `api`."""
    return _COUNTERS.get(api, text_chars)
