"""OpenAI Responses API: passed through to OpenAI-type providers; only usage is read from it."""

from __future__ import annotations

from typing import Any

from bastion.sse import SseEvent
from bastion.usage import Usage


def responses_usage(body: dict[str, Any]) -> Usage | None:
    u = body.get("usage")
    if not isinstance(u, dict):
        return None
    details = u.get("input_tokens_details") or {}
    return Usage(
        input_tokens=u.get("input_tokens"),
        output_tokens=u.get("output_tokens"),
        cache_read_tokens=(details.get("cached_tokens") or 0) if isinstance(details, dict) else 0,
    )


class ResponsesUsageTracker:
    __slots__ = ("usage",)

    def __init__(self) -> None:
        self.usage: Usage | None = None

    def track(self, event: SseEvent) -> None:
        data = event.data
        if isinstance(data, dict) and isinstance(data.get("response"), dict):
            found = responses_usage(data["response"])
            if found is not None:
                self.usage = found
