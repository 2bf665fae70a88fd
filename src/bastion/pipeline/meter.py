"""Stage 6b (after call): counts the answer text of a stream as it passes, so a stream that ends without
the provider's usage (the client went away, a provider that does not report it) is still costed from
its content (`bastion.cost.accounting`). Non-streaming answers need nothing here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from bastion.context import RequestContext
from bastion.sse import SseEvent

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


async def _counted(events: AsyncIterator[SseEvent], ticket: Any) -> AsyncIterator[SseEvent]:
    try:
        async for ev in events:
            if ev.data is not None:
                ticket.streamed_chars += text_chars(ev.data)
            yield ev
    finally:
        await events.aclose()  # type: ignore[attr-defined]


class MeterStage:
    name = "meter"

    async def run(self, ctx: RequestContext) -> None:
        if ctx.events is not None and ctx.admission is not None:
            ctx.events = _counted(ctx.events, ctx.admission)
