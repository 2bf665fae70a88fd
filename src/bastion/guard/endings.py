"""How a blocked answer ends, the way the providers end one themselves: OpenAI chat `finish_reason:
"content_filter"`, Anthropic `stop_reason: "refusal"`, Responses `status: "incomplete"` with
`incomplete_details.reason: "content_filter"`, Gemini `finishReason: "SAFETY"`. One entry per inbound
API, for a full body and for a stream (the events that close it)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import Any

from bastion.sse import SseEvent

Json = dict[str, Any]
DONE = SseEvent(None, None, b"[DONE]")


def _openai_body(body: Json) -> None:
    for choice in body.get("choices") or ():
        if isinstance(choice, dict):
            choice["message"] = {"role": "assistant", "content": None, "refusal": None}
            choice["finish_reason"] = "content_filter"


def _anthropic_body(body: Json) -> None:
    body["content"] = []
    body["stop_reason"] = "refusal"
    body["stop_sequence"] = None


def _responses_body(body: Json) -> None:
    body["output"] = []
    body["status"] = "incomplete"
    body["incomplete_details"] = {"reason": "content_filter"}


def _gemini_body(body: Json) -> None:
    for cand in body.get("candidates") or ():
        if isinstance(cand, dict):
            cand["content"] = {"role": "model", "parts": []}
            cand["finishReason"] = "SAFETY"


BODY_ENDINGS: dict[str, Callable[[Json], None]] = {
    "openai.chat": _openai_body,
    "anthropic.messages": _anthropic_body,
    "openai.responses": _responses_body,
    "gemini.generate": _gemini_body,
}


def _openai_stream(meta: Json, open_channels: Iterable[Hashable]) -> list[SseEvent]:
    indexes = [i for i in open_channels if isinstance(i, int)] or [0]
    head = {k: meta[k] for k in ("id", "created", "model", "system_fingerprint") if k in meta}
    choices = [
        {"index": i, "delta": {}, "finish_reason": "content_filter", "logprobs": None} for i in indexes
    ]
    return [SseEvent.of({**head, "object": "chat.completion.chunk", "choices": choices}), DONE]


def _anthropic_stream(meta: Json, open_channels: Iterable[Hashable]) -> list[SseEvent]:
    out = [
        SseEvent.of({"type": "content_block_stop", "index": i}, "content_block_stop")
        for i in open_channels
        if isinstance(i, int)
    ]
    delta = {"type": "message_delta", "delta": {"stop_reason": "refusal", "stop_sequence": None},
             "usage": {"output_tokens": 0}}  # fmt: skip
    out.append(SseEvent.of(delta, "message_delta"))
    out.append(SseEvent.of({"type": "message_stop"}, "message_stop"))
    return out


def _responses_stream(meta: Json, open_channels: Iterable[Hashable]) -> list[SseEvent]:
    response = dict(meta.get("response") or {})
    response.update(status="incomplete", incomplete_details={"reason": "content_filter"}, output=[])
    return [SseEvent.of({"type": "response.incomplete", "response": response}, "response.incomplete")]


def _gemini_stream(meta: Json, open_channels: Iterable[Hashable]) -> list[SseEvent]:
    cand = {"content": {"role": "model", "parts": []}, "finishReason": "SAFETY", "index": 0}
    return [SseEvent.of({"candidates": [cand]})]


STREAM_ENDINGS: dict[str, Callable[[Json, Iterable[Hashable]], list[SseEvent]]] = {
    "openai.chat": _openai_stream,
    "anthropic.messages": _anthropic_stream,
    "openai.responses": _responses_stream,
    "gemini.generate": _gemini_stream,
}


def remember(meta: Json, data: Any) -> None:
    """Keep what the closing events repeat (ids, model, the Responses object) from a passing event."""
    if not isinstance(data, dict):
        return
    for key in ("id", "created", "model", "system_fingerprint"):
        if key in data and key not in meta:
            meta[key] = data[key]
    if isinstance(data.get("response"), dict) and data.get("type") == "response.created":
        meta["response"] = data["response"]
