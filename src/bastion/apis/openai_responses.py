"""OpenAI Responses: `POST /v1/responses`, streamed as typed `response.*` events ended by
`response.completed` (or `.incomplete` / `.failed`); errors as OpenAI's, and mid-stream as its own
`event: error`. Always relayed in its own format (only OpenAI-type providers serve it)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from bastion.apis.base import ClientApi, Key, Rewriter, StreamWalker, TextSink
from bastion.apis.rewrite import cap, flat_tool_name, restrict
from bastion.apis.text import OPENAI_ROLE_KIND, Json, Segment, openai_content
from bastion.errors import BadRequest, GatewayError
from bastion.sse import SseEvent
from bastion.translate.base import StreamEncoder

_END = frozenset({"response.completed", "response.incomplete", "response.failed"})


# --- text segments -----------------------------------------------------------------------------------
def _request_segments(body: Json) -> Iterator[Segment]:
    """`instructions`, `input` (a string or items)."""
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
            yield from openai_content(item, OPENAI_ROLE_KIND.get(item.get("role", ""), "user"))
        elif itype == "function_call" and isinstance(item.get("arguments"), str):
            yield Segment(item, "arguments", "tool_arguments")
        elif itype == "function_call_output" and isinstance(item.get("output"), str):
            yield Segment(item, "output", "tool_result")


def output_segments(body: Json) -> Iterator[Segment]:
    for item in body.get("output") or ():
        if isinstance(item, dict):
            if item.get("type") == "message":
                yield from openai_content(item, "assistant")
            elif item.get("type") == "function_call" and isinstance(item.get("arguments"), str):
                yield Segment(item, "arguments", "tool_arguments")


# --- request rewrites --------------------------------------------------------------------------------
def _cap(body: Json, limit: int) -> bool:
    return cap(body, ("max_output_tokens",), "max_output_tokens", limit)


def _tools(body: Json, allowed: frozenset[str] | None) -> bool:
    return restrict(body, allowed, flat_tool_name, ("parallel_tool_calls",))


def _system(body: Json, text: str) -> bool:
    current = body.get("instructions")
    body["instructions"] = f"{text}\n\n{current}" if isinstance(current, str) and current else text
    return True


# --- the stream walker -------------------------------------------------------------------------------
_DELTAS = {"response.output_text.delta": False, "response.function_call_arguments.delta": True}
_DONES = frozenset({"response.output_text.done", "response.function_call_arguments.done"})


class _Walker:
    """Channels: an output part `(item_id, content_index)`, its text or a function call's arguments;
    flushed as a delta event before its `.done` event. Every complete text an event repeats (`.done`
    events, finished parts and items, the final response) goes through `sink.whole`."""

    __slots__ = ("sink",)

    def __init__(self, sink: TextSink) -> None:
        self.sink = sink

    def event(self, ev: SseEvent) -> list[SseEvent]:
        data = ev.data
        if not isinstance(data, dict):
            return [ev]
        sink = self.sink
        etype = str(data.get("type", ev.event))
        key = (data.get("item_id"), data.get("content_index"))
        out: list[SseEvent] = []
        changed = False
        json_string = _DELTAS.get(etype)
        if json_string is not None:
            delta = data.get("delta")
            if isinstance(delta, str):
                new = sink.feed(key, delta, json_string)
                changed = new != delta
                data["delta"] = new
        elif etype in _DONES:
            tail = sink.flush(key)
            if tail:
                delta_type = etype.replace(".done", ".delta")
                extra = {k: v for k, v in data.items() if k not in ("text", "arguments")}
                out.append(SseEvent.of({**extra, "type": delta_type, "delta": tail}, delta_type))
            for field in ("text", "arguments"):
                value = data.get(field)
                if isinstance(value, str):
                    new = sink.whole(value, json_string=field == "arguments")
                    if new != value:
                        data[field] = new
                        changed = True
        else:
            holder = data.get("response") if isinstance(data.get("response"), dict) else None
            item = data.get("item") if isinstance(data.get("item"), dict) else None
            part = data.get("part") if isinstance(data.get("part"), dict) else None
            body = holder or ({"output": [item]} if item else None)
            for seg in output_segments(body) if body else ():
                text = seg.text
                new = sink.whole(text, json_string=seg.kind == "tool_arguments")
                if new != text:
                    seg.set(new)
                    changed = True
            if part is not None and isinstance(part.get("text"), str):
                new = sink.whole(part["text"])
                if new != part["text"]:
                    part["text"] = new
                    changed = True
        if changed:
            ev.raw = None
        return [*out, ev]

    def end(self) -> list[SseEvent]:
        return []


class OpenAIResponses(ClientApi):
    name = "openai.responses"
    wire = "openai"
    flavor = "openai"
    operation = "responses"
    routes = ("/v1/responses",)
    prefixes = ("/v1/responses",)
    rewriter = Rewriter(_cap, _tools, _system)

    def check_fields(self, body: Json) -> None:
        if body.get("input") is None and body.get("previous_response_id") is None:
            raise BadRequest("'input' is required", param="input", code="missing_required_parameter")

    def request_segments(self, body: Json) -> list[Segment]:
        return list(_request_segments(body))

    def response_segments(self, body: Json) -> list[Segment]:
        return list(output_segments(body))

    def walker(self, sink: TextSink) -> StreamWalker:
        return _Walker(sink)

    def finished(self, ev: SseEvent) -> bool:
        return ev.event in _END or (isinstance(ev.data, dict) and ev.data.get("type") in _END)

    def stream_error(self, err: GatewayError, encoder: StreamEncoder) -> list[SseEvent]:
        data = {"type": "error", "code": err.code, "message": err.message, "param": err.param}
        return [SseEvent("error", data)]

    def error_event(self, err: GatewayError) -> SseEvent:
        data = {"type": "error", "code": err.code, "message": err.message, "param": err.param}
        return SseEvent.of(data, "error")

    def deny_event(self, message: str) -> SseEvent:
        data = {"type": "error", "code": "policy_denied", "message": message, "param": None}
        return SseEvent.of(data, "error")

    def blocked_body(self, body: Json) -> None:
        body["output"] = []
        body["status"] = "incomplete"
        body["incomplete_details"] = {"reason": "content_filter"}

    def blocked_stream(self, meta: Json, open_channels: Iterable[Key]) -> list[SseEvent]:
        response = dict(meta.get("response") or {})
        response.update(status="incomplete", incomplete_details={"reason": "content_filter"}, output=[])
        return [SseEvent.of({"type": "response.incomplete", "response": response}, "response.incomplete")]


API = OpenAIResponses()
