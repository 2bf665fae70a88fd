"""OpenAI Chat Completions: `POST /v1/chat/completions`, streamed as `chat.completion.chunk` events ended
by `data: [DONE]`; errors as `{"error": {"message", "type", "param", "code"}}`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from bastion.apis.base import ClientApi, Key, Rewriter, StreamWalker, TextSink, check_messages, open_indexes
from bastion.apis.rewrite import cap, restrict
from bastion.apis.scan import earliest, first_not_null
from bastion.apis.text import OPENAI_ROLE_KIND, Json, Segment, delta_chars, openai_content, text_chars
from bastion.sse import SseEvent

DONE = SseEvent(None, None, b"[DONE]")


# --- text segments -----------------------------------------------------------------------------------
def _message_segments(messages: Iterable[Any]) -> Iterator[Segment]:
    for msg in messages:
        if not isinstance(msg, dict):
            continue
        yield from openai_content(msg, OPENAI_ROLE_KIND.get(msg.get("role", ""), "user"))
        for call in msg.get("tool_calls") or ():
            fn = call.get("function") if isinstance(call, dict) else None
            if isinstance(fn, dict) and isinstance(fn.get("arguments"), str):
                yield Segment(fn, "arguments", "tool_arguments")


def _answer_messages(body: Json) -> Iterator[Any]:
    for choice in body.get("choices") or ():
        msg = choice.get("message") if isinstance(choice, dict) else None
        if isinstance(msg, dict):
            yield msg


# --- the meter ---------------------------------------------------------------------------------------
def chunk_chars(node: Any) -> int:
    """Answer-text characters of a chat chunk, reading only where its text can be (`choices[].delta`)."""
    if not isinstance(node, dict):
        return 0
    choices = node.get("choices")
    if not choices:  # e.g. the usage-only chunk
        return 0 if "error" not in node else text_chars(node)
    return sum(delta_chars(c.get("delta")) for c in choices if isinstance(c, dict))


# --- the relay scanner -------------------------------------------------------------------------------
def scan(buf: bytes, end: int) -> int:
    """`[DONE]`, an error (an `error` key or an `event: error`), a stop reason or usage is read; plain
    delta chunks (`"finish_reason":null`, no usage or `"usage":null`) are not. The stop reason is looked
    for first: the other searches only need to cover what comes before it."""
    at = first_not_null(buf, b'"finish_reason"', b'"finish_reason":null', b'"finish_reason":"', end)
    bound = end if at < 0 else at
    usage = buf.find(b'"usage"', 0, bound)
    if usage >= 0:
        usage = first_not_null(buf, b'"usage"', b'"usage":null', b'"usage":{', bound)
    return earliest(at, usage, buf.find(b"[DONE]", 0, bound), buf.find(b"error", 0, bound))


# --- request rewrites --------------------------------------------------------------------------------
def _tool_name(tool: Any) -> str | None:
    fn = tool.get("function") if isinstance(tool, dict) else None
    return fn.get("name") if isinstance(fn, dict) else None


def _cap(body: Json, limit: int) -> bool:
    return cap(body, ("max_completion_tokens", "max_tokens"), "max_completion_tokens", limit)


def _tools(body: Json, allowed: frozenset[str] | None) -> bool:
    changed = restrict(body, allowed, _tool_name, ("parallel_tool_calls",))
    if allowed is None and ("functions" in body or "function_call" in body):  # the legacy shape
        body.pop("functions", None)
        body.pop("function_call", None)
        changed = True
    return changed


def _system(body: Json, text: str) -> bool:
    messages = body.get("messages")
    if not isinstance(messages, list):
        return False
    messages.insert(0, {"role": "system", "content": text})
    return True


# --- the stream walker -------------------------------------------------------------------------------
class _Walker:
    """Channels: a choice's content `(i, "c")` and each of its tool calls' arguments `(i, "t", n)`;
    flushed into the chunk that carries the choice's finish_reason, or as chunks of their own at the end."""

    __slots__ = ("meta", "sink")

    def __init__(self, sink: TextSink) -> None:
        self.sink = sink
        self.meta: Json = {"object": "chat.completion.chunk"}  # id/model/created of the last chunk

    def event(self, ev: SseEvent) -> list[SseEvent]:
        data = ev.data
        if ev.raw == b"[DONE]" or not isinstance(data, dict):
            return [*self.end(), ev]
        meta = self.meta
        for field in ("id", "created", "model"):
            if field in data:
                meta[field] = data[field]
        sink = self.sink
        changed = False
        for choice in data.get("choices") or ():
            if not isinstance(choice, dict):
                continue
            i = choice.get("index", 0)
            delta = choice.get("delta")
            if isinstance(delta, dict):
                content = delta.get("content")
                if isinstance(content, str):
                    new = sink.feed((i, "c"), content)
                    if new != content:
                        delta["content"] = new
                        changed = True
                for call in delta.get("tool_calls") or ():
                    fn = call.get("function") if isinstance(call, dict) else None
                    if not isinstance(fn, dict):
                        continue
                    args = fn.get("arguments")
                    if isinstance(args, str):
                        new = sink.feed((i, "t", call.get("index", 0)), args, True)
                        if new != args:
                            fn["arguments"] = new
                            changed = True
            if choice.get("finish_reason"):
                changed |= self._close(choice, i)
        if changed:
            ev.raw = None
        return [ev]

    def _close(self, choice: Json, i: Any) -> bool:
        """Adds the choice's held-back tails to its finishing chunk."""
        changed = False
        for key in [k for k in self.sink.open_keys() if k[0] == i]:
            tail = self.sink.flush(key)
            if not tail:
                continue
            delta = choice.get("delta")
            if not isinstance(delta, dict):
                delta = choice["delta"] = {}
            if key[1] == "c":
                delta["content"] = (delta.get("content") or "") + tail
            else:
                call = {"index": key[2], "function": {"arguments": tail}}
                delta.setdefault("tool_calls", []).append(call)
            changed = True
        return changed

    def end(self) -> list[SseEvent]:
        out = []
        for key in self.sink.open_keys():
            tail = self.sink.flush(key)
            if tail:
                out.append(self._tail(key, tail))
        return out

    def _tail(self, key: Key, tail: str) -> SseEvent:
        delta: Json = {"content": tail}
        if key[1] != "c":
            delta = {"tool_calls": [{"index": key[2], "function": {"arguments": tail}}]}
        choice = {"index": key[0], "delta": delta, "finish_reason": None}
        return SseEvent.of({**self.meta, "choices": [choice]})


class OpenAIChat(ClientApi):
    name = "openai.chat"
    wire = "openai"
    flavor = "openai"
    operation = "chat"
    routes = ("/v1/chat/completions",)
    prefixes = ("/v1/chat/",)
    rewriter = Rewriter(_cap, _tools, _system)
    scanner = staticmethod(scan)
    terminator = DONE
    fast_chat = True
    count_chars = staticmethod(chunk_chars)

    def check_fields(self, body: Json) -> None:
        check_messages(body)

    def request_segments(self, body: Json) -> list[Segment]:
        return list(_message_segments(body.get("messages") or ()))

    def response_segments(self, body: Json) -> list[Segment]:
        return list(_message_segments(_answer_messages(body)))

    def walker(self, sink: TextSink) -> StreamWalker:
        return _Walker(sink)

    def finished(self, ev: SseEvent) -> bool:
        if ev.raw == b"[DONE]":
            return True
        data = ev.data
        choices = data.get("choices") if isinstance(data, dict) else None
        if choices:
            for c in choices:
                if isinstance(c, dict) and c.get("finish_reason"):
                    return True
        return False

    def blocked_body(self, body: Json) -> None:
        for choice in body.get("choices") or ():
            if isinstance(choice, dict):
                choice["message"] = {"role": "assistant", "content": None, "refusal": None}
                choice["finish_reason"] = "content_filter"

    def blocked_stream(self, meta: Json, open_channels: Iterable[Key]) -> list[SseEvent]:
        indexes = open_indexes(open_channels) or [0]
        head = {k: meta[k] for k in ("id", "created", "model", "system_fingerprint") if k in meta}
        choices: list[Json] = [
            {"index": i, "delta": {}, "finish_reason": "content_filter", "logprobs": None} for i in indexes
        ]
        return [SseEvent.of({**head, "object": "chat.completion.chunk", "choices": choices}), DONE]


API = OpenAIChat()
