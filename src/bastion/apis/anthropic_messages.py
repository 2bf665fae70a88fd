"""Anthropic Messages: `POST /v1/messages`, streamed as `message_start` / `content_block_*` /
`message_delta` / `message_stop` events; errors as `{"type": "error", "error": {"type", "message"}}`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from bastion.apis.base import (
    ClientApi,
    Key,
    Rewriter,
    StreamWalker,
    TextSink,
    check_messages,
    open_indexes,
    require,
)
from bastion.apis.rewrite import cap, flat_tool_name, restrict
from bastion.apis.scan import earliest
from bastion.apis.text import Json, Segment, anthropic_blocks, flat_text_chars, text_chars
from bastion.errors import GatewayError, anthropic_body
from bastion.sse import SseEvent
from bastion.translate.base import StreamEncoder


# --- text segments -----------------------------------------------------------------------------------
def _request_segments(body: Json) -> Iterator[Segment]:
    if "system" in body:
        yield from anthropic_blocks(body, "system", "system")
    for msg in body.get("messages") or ():
        if isinstance(msg, dict) and "content" in msg:
            kind = "assistant" if msg.get("role") == "assistant" else "user"
            yield from anthropic_blocks(msg, "content", kind)


# --- the meter ---------------------------------------------------------------------------------------
def event_chars(node: Any) -> int:
    """Answer-text characters of a stream event: the text is in `delta` (or a starting content block)."""
    if not isinstance(node, dict):
        return 0
    delta = node.get("delta")
    if isinstance(delta, dict):
        return flat_text_chars(delta)
    block = node.get("content_block")
    return text_chars(block) if isinstance(block, dict) else 0


# --- the relay scanner -------------------------------------------------------------------------------
def scan(buf: bytes, end: int) -> int:
    """Every `message_*` event (start and delta carry usage and the stop reason, stop ends the stream)
    and anything mentioning an error is read; content block events and pings are not."""
    return earliest(buf.find(b"message_", 0, end), buf.find(b"error", 0, end))


# --- request rewrites --------------------------------------------------------------------------------
def _cap(body: Json, limit: int) -> bool:
    return cap(body, ("max_tokens",), "max_tokens", limit)


def _tools(body: Json, allowed: frozenset[str] | None) -> bool:
    return restrict(body, allowed, flat_tool_name, ())


def _system(body: Json, text: str) -> bool:
    system = body.get("system")
    if isinstance(system, list):
        system.insert(0, {"type": "text", "text": text})
    elif isinstance(system, str) and system:
        body["system"] = f"{text}\n\n{system}"
    else:
        body["system"] = text
    return True


# --- the stream walker -------------------------------------------------------------------------------
def _delta_event(key: Key, tail: str) -> SseEvent:
    """A `content_block_delta` carrying a channel's held-back tail."""
    if key[1] == "text":
        delta = {"type": "text_delta", "text": tail}
    else:
        delta = {"type": "input_json_delta", "partial_json": tail}
    data = {"type": "content_block_delta", "index": key[0], "delta": delta}
    return SseEvent.of(data, "content_block_delta")


class _Walker:
    """Channels: a text block `(index, "text")` and a tool_use block's input JSON `(index, "json")`;
    flushed as `content_block_delta` events before the block's `content_block_stop` (or the message's
    end)."""

    __slots__ = ("sink",)

    def __init__(self, sink: TextSink) -> None:
        self.sink = sink

    def event(self, ev: SseEvent) -> list[SseEvent]:
        data = ev.data
        if not isinstance(data, dict):
            return [ev]
        etype = data.get("type")
        if etype == "content_block_delta":
            delta = data.get("delta")
            if not isinstance(delta, dict):
                return [ev]
            idx = data.get("index", 0)
            dtype = delta.get("type")
            if dtype == "text_delta":
                field, key, json_string = "text", (idx, "text"), False
            elif dtype == "input_json_delta":
                field, key, json_string = "partial_json", (idx, "json"), True
            else:
                return [ev]
            text = delta.get(field)
            if isinstance(text, str):
                new = self.sink.feed(key, text, json_string)
                if new != text:
                    delta[field] = new
                    ev.raw = None
            return [ev]
        if etype in ("content_block_stop", "message_delta", "message_stop"):
            idx = data.get("index")
            out = []
            for key in [k for k in self.sink.open_keys() if idx is None or k[0] == idx]:
                tail = self.sink.flush(key)
                if tail:
                    out.append(_delta_event(key, tail))
            return [*out, ev]
        return [ev]

    def end(self) -> list[SseEvent]:
        return []


class AnthropicMessages(ClientApi):
    name = "anthropic.messages"
    wire = "anthropic"
    flavor = "anthropic"
    operation = "chat"
    routes = ("/v1/messages",)
    prefixes = ("/v1/messages",)
    rewriter = Rewriter(_cap, _tools, _system)
    scanner = staticmethod(scan)
    count_chars = staticmethod(event_chars)

    def check_fields(self, body: Json) -> None:
        check_messages(body)
        require(body, "max_tokens", int, "an integer")

    def request_segments(self, body: Json) -> list[Segment]:
        return list(_request_segments(body))

    def response_segments(self, body: Json) -> list[Segment]:
        return list(anthropic_blocks(body, "content", "assistant")) if "content" in body else []

    def walker(self, sink: TextSink) -> StreamWalker:
        return _Walker(sink)

    def finished(self, ev: SseEvent) -> bool:
        return ev.event == "message_stop"

    def error_body(self, err: GatewayError) -> bytes:
        return anthropic_body(err)

    def stream_error(self, err: GatewayError, encoder: StreamEncoder) -> list[SseEvent]:
        return encoder.error(err.message, err.anthropic_type)

    def error_event(self, err: GatewayError) -> SseEvent:
        error = {"type": err.anthropic_type, "message": err.message}
        return SseEvent.of({"type": "error", "error": error}, "error")

    def deny_event(self, message: str) -> SseEvent:
        err = {"type": "permission_error", "message": message}
        return SseEvent.of({"type": "error", "error": err}, "error")

    def blocked_body(self, body: Json) -> None:
        body["content"] = []
        body["stop_reason"] = "refusal"
        body["stop_sequence"] = None

    def blocked_stream(self, meta: Json, open_channels: Iterable[Key]) -> list[SseEvent]:
        out = [
            SseEvent.of({"type": "content_block_stop", "index": i}, "content_block_stop")
            for i in open_indexes(open_channels)
        ]
        delta = {"type": "message_delta", "delta": {"stop_reason": "refusal", "stop_sequence": None},
                 "usage": {"output_tokens": 0}}  # fmt: skip
        out.append(SseEvent.of(delta, "message_delta"))
        out.append(SseEvent.of({"type": "message_stop"}, "message_stop"))
        return out

    def model_list(self, names: list[str], owners: Mapping[str, str]) -> Json:
        data = [
            {"type": "model", "id": n, "display_name": n, "created_at": "1970-01-01T00:00:00Z"} for n in names
        ]
        return {
            "data": data,
            "has_more": False,
            "first_id": names[0] if names else None,
            "last_id": names[-1] if names else None,
        }


API = AnthropicMessages()
