"""What a client API is: the one object (`ClientApi`) that knows everything about one inbound API.

An inbound API (OpenAI chat, Anthropic Messages, Gemini generateContent, ...) is a subclass of `ClientApi`
in its own module, with one instance registered in `bastion.apis.registry`. It holds:

    routes, prefixes        the POST paths it is served on; unknown paths under `prefixes` get its errors
    wire, flavor, operation the body's wire format (a `bastion.translate` codec), error shape, and the
                            model-group operation it routes to (chat, embeddings, responses)
    check, call             request validation, and the model and stream flag of a checked request
    request_segments,       every text segment of a request / response body (`bastion.apis.text`)
    response_segments
    walker                  the one stream-text walker: where text sits in its stream events, used by
                            PII restore, response rules and the content guardrails through a `TextSink`
    count_chars             the meter: answer-text characters of one stream event (costing streams)
    rewriter                the request rewrites `transform` policy rules ask for
    scanner, finished,      the relay's same-format byte scanner, its terminal-event test, and the
    terminator              terminator the gateway appends when the provider omitted it
    error_body, stream_error, deny_event, blocked_body, blocked_stream
                            errors and blocked answers the way the provider itself writes them
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from bastion.apis.text import Json, Segment, text_chars
from bastion.errors import BadRequest, GatewayError, openai_body
from bastion.sse import SseEvent
from bastion.translate.base import StreamEncoder

# a text channel of a stream: (choice or block index, kind, ...) or (item id, content index)
Key = tuple[Any, ...]
# a relay scanner: (buffer of complete events, end) -> first offset < end the relay must parse, or -1
Scanner = Callable[[bytes, int], int]


class TextSink(Protocol):
    """What a stream walker hands each piece of text to: a PII restorer, the response-rule or guardrail
    checker. A channel (`key`) is one text stream (a choice's content, a content block, a tool call's
    arguments); `json_string` text is the inside of a JSON string (tool-call arguments)."""

    def feed(self, key: Key, text: str, json_string: bool = False) -> str:
        """The text to send now for this channel ('' while holding back)."""
        ...

    def flush(self, key: Key) -> str:
        """The channel's held-back tail, closing it."""
        ...

    def whole(self, text: str, json_string: bool = False) -> str:
        """A complete text an event repeats (a `.done` event, a finished item)."""
        ...

    def open_keys(self) -> list[Key]:
        """The channels fed and not yet flushed."""
        ...


class StreamWalker(Protocol):
    """Per stream: passes each client-format event's text through a `TextSink`; a channel's tail is sent
    (as an extra delta event, or added to the closing event) before the event that closes it."""

    def event(self, ev: SseEvent) -> list[SseEvent]: ...

    def end(self) -> list[SseEvent]:
        """What the stream still holds when it ended without closing its channels."""
        ...


@dataclass(frozen=True, slots=True)
class Rewriter:
    """The request rewrites `transform` rules ask for; each changes the body in place, True if it did."""

    cap: Callable[[Json, int], bool]  # cap the output tokens
    tools: Callable[[Json, frozenset[str] | None], bool]  # keep only these tools (None: strip all)
    system: Callable[[Json, str], bool]  # prepend a system instruction


def require(body: Json, field: str, kind: type | tuple[type, ...], what: str) -> None:
    """A clear 400 when `field` is missing or not of `kind`."""
    value = body.get(field)
    if value is None:
        raise BadRequest(f"'{field}' is required", param=field, code="missing_required_parameter")
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise BadRequest(f"'{field}' must be {what}", param=field, code="invalid_type")


def check_messages(body: Json) -> None:
    require(body, "messages", list, "an array of messages")
    if not body["messages"]:
        raise BadRequest("'messages' must contain at least one message", param="messages")
    for i, msg in enumerate(body["messages"]):
        if not isinstance(msg, dict) or not isinstance(msg.get("role"), str):
            raise BadRequest(f"messages[{i}] must be an object with a 'role'", param=f"messages[{i}]")


def open_indexes(open_channels: Iterable[Key]) -> list[int]:
    """The choice / block indexes of open channels keyed `(index, ...)`, in order, once each."""
    out: list[int] = []
    for key in open_channels:
        idx = key[0] if key else None
        if isinstance(idx, int) and idx not in out:
            out.append(idx)
    return out


class ClientApi:
    """One inbound API. Subclasses set the class attributes and override what their format needs; the
    defaults describe an OpenAI-shaped API without streams."""

    name: str = ""  # "openai.chat": the label in metrics, audit records, policy `apis`
    wire: str = "openai"
    flavor: str = "openai"
    operation: str = "chat"
    routes: tuple[str, ...] = ()
    query_params: tuple[str, ...] = ()  # query parameters the API reads (into `ctx.params`)
    models_route: str | None = None  # its own model list route (`GET`), if it has one
    prefixes: tuple[str, ...] = ()  # unknown routes under these path prefixes answer in its error shape
    rewriter: Rewriter | None = None
    scanner: Scanner | None = None  # None: a same-format stream is parsed event by event
    terminator: SseEvent | None = None  # appended when a same-format stream finished without it
    fast_chat: bool = False  # OpenAI chat chunks: the relay's one-look-per-chunk path applies
    count_chars: Callable[[Any], int] = staticmethod(text_chars)  # the meter for one stream event

    def __repr__(self) -> str:
        return f"<api {self.name}>"

    # --- requests ------------------------------------------------------------------------------------
    def check(self, body: Json) -> None:
        """Raises BadRequest when the body is not a valid request of this API."""
        require(body, "model", str, "a string")
        self.check_fields(body)
        stream = body.get("stream")
        if stream is not None and not isinstance(stream, bool):
            raise BadRequest("'stream' must be a boolean", param="stream", code="invalid_type")

    def check_fields(self, body: Json) -> None:
        """This API's own required fields (after `model`, before `stream`)."""

    def call(self, body: Json, params: Mapping[str, str]) -> tuple[str, bool]:
        """The model asked for and whether the answer streams, of a checked body (`params`: the route's
        path parameters)."""
        return body["model"], body.get("stream") is True

    def request_segments(self, body: Json) -> list[Segment]:
        return []

    def array_stream(self, params: Mapping[str, str]) -> bool:
        """Does a streamed answer go out as one JSON array of the stream's objects (not SSE)?"""
        return False

    def response_segments(self, body: Json) -> list[Segment]:
        return []

    def max_output_tokens(self, body: Json) -> int | None:
        """The request's own limit on output tokens, if it sets one."""
        for name in ("max_completion_tokens", "max_tokens", "max_output_tokens"):
            value = body.get(name)
            if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                return value
        return None

    # --- streams -------------------------------------------------------------------------------------
    def walker(self, sink: TextSink) -> StreamWalker | None:
        """The stream-text walker for one stream (None: this API does not stream)."""
        return None

    def finished(self, ev: SseEvent) -> bool:
        """Does this event (of a stream in this API's format) complete the answer?"""
        return False

    # --- errors and blocked answers ------------------------------------------------------------------
    def error_body(self, err: GatewayError) -> bytes:
        return openai_body(err)

    def stream_error(self, err: GatewayError, encoder: StreamEncoder) -> list[SseEvent]:
        """A failure after the stream started, as this API's error event."""
        return encoder.error(err.message, err.openai_type)

    def error_event(self, err: GatewayError) -> SseEvent:
        """A gateway failure mid-stream (the drain's deadline) as this API's error event."""
        body = {"message": err.message, "type": err.openai_type, "param": err.param, "code": err.code}
        return SseEvent.of({"error": body})

    def deny_event(self, message: str) -> SseEvent:
        """A response rule's denial mid-stream (the stream then ends)."""
        err = {"message": message, "type": "permission_error", "param": None, "code": "policy_denied"}
        return SseEvent.of({"error": err})

    def blocked_body(self, body: Json) -> None:
        """Turns a full answer into the provider's own content-filtered answer (in place)."""

    def blocked_stream(self, meta: Json, open_channels: Iterable[Key]) -> list[SseEvent]:
        """The events that end a blocked stream the provider's way (`meta`: ids the stream carried)."""
        return []

    def model_list(self, names: list[str], owners: Mapping[str, str]) -> Json:
        """The model list (`GET` on the models route) in this API's shape."""
        return {
            "object": "list",
            "data": [{"id": n, "object": "model", "created": 0, "owned_by": owners[n]} for n in names],
        }
