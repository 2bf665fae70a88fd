"""What a wire-format codec provides. OpenAI chat completions is the hub format: a request in format A
bound for a provider speaking format B goes A -> OpenAI -> B, and its response B -> OpenAI -> A.
When A == B nothing is translated at all (the body passes through, unknown fields preserved).

Codecs are pure: no I/O, no clocks beyond `created` stamps, no shared mutable state. Stream decoders and
encoders are small per-stream state machines.
"""

from __future__ import annotations

from typing import Any, ClassVar, Protocol

from bastion.sse import SseEvent
from bastion.usage import Usage

Json = dict[str, Any]


class StreamDecoder(Protocol):
    """Provider events of one format -> OpenAI `chat.completion.chunk` dicts."""

    def feed(self, event: SseEvent) -> list[Json]: ...

    def close(self) -> list[Json]:
        """Called once at the end of the upstream stream; may emit a final chunk."""
        ...


class StreamEncoder(Protocol):
    """OpenAI `chat.completion.chunk` dicts -> events of one client format."""

    def encode(self, chunk: Json) -> list[SseEvent]: ...

    def close(self) -> list[SseEvent]:
        """The well-formed end of the stream (e.g. `[DONE]`, or `message_stop`)."""
        ...

    def error(self, message: str, error_type: str) -> list[SseEvent]:
        """A mid-stream failure as an error event of this format (the stream then ends)."""
        ...


class UsageTracker(Protocol):
    """Collects token usage from a stream of this format that is relayed untranslated."""

    usage: Usage | None

    def track(self, event: SseEvent) -> None: ...


class Codec(Protocol):
    name: ClassVar[str]

    def request_to_openai(self, body: Json) -> Json: ...

    def request_from_openai(self, body: Json, model: str) -> Json: ...

    def response_to_openai(self, body: Json, model: str) -> Json: ...

    def response_from_openai(self, body: Json, model: str) -> Json: ...

    def stream_decoder(self, model: str) -> StreamDecoder: ...

    def stream_encoder(self, model: str, include_usage: bool) -> StreamEncoder: ...

    def usage(self, body: Json) -> Usage | None: ...

    def usage_tracker(self) -> UsageTracker: ...

    def error_message(self, body: bytes) -> str:
        """The human message inside a provider error body of this format (or a generic one)."""
        ...
