"""OpenAI chat completions: the hub format, so its codec is mostly identity plus stream and usage helpers."""

from __future__ import annotations

from typing import Any, ClassVar

import orjson

from bastion.sse import SseEvent
from bastion.translate.base import Json
from bastion.usage import Usage

DONE = SseEvent(None, None, b"[DONE]")


def openai_usage(u: Any) -> Usage | None:
    if not isinstance(u, dict):
        return None
    details = u.get("prompt_tokens_details") or {}
    return Usage(
        input_tokens=u.get("prompt_tokens"),
        output_tokens=u.get("completion_tokens"),
        cache_read_tokens=(details.get("cached_tokens") or 0) if isinstance(details, dict) else 0,
    )


class _Decoder:
    __slots__ = ()

    def feed(self, event: SseEvent) -> list[Json]:
        return [event.data] if isinstance(event.data, dict) and "error" not in event.data else []

    def close(self) -> list[Json]:
        return []


class _Encoder:
    __slots__ = ("include_usage",)

    def __init__(self, include_usage: bool) -> None:
        self.include_usage = include_usage

    def encode(self, chunk: Json) -> list[SseEvent]:
        if not self.include_usage and not chunk.get("choices") and chunk.get("usage") is not None:
            return []
        if not self.include_usage and "usage" in chunk:
            chunk = {k: v for k, v in chunk.items() if k != "usage"}
        return [SseEvent(None, chunk, None)]

    def close(self) -> list[SseEvent]:
        return [DONE]

    def error(self, message: str, error_type: str) -> list[SseEvent]:
        return [
            SseEvent(None, {"error": {"message": message, "type": error_type, "param": None, "code": None}})
        ]


class _Tracker:
    __slots__ = ("usage",)

    def __init__(self) -> None:
        self.usage: Usage | None = None

    def track(self, event: SseEvent) -> None:
        data = event.data
        if isinstance(data, dict) and data.get("usage"):
            self.usage = openai_usage(data["usage"])


class OpenAICodec:
    name: ClassVar[str] = "openai"

    def request_to_openai(self, body: Json) -> Json:
        return body

    def request_from_openai(self, body: Json, model: str) -> Json:
        out = dict(body)
        out["model"] = model
        return out

    def response_to_openai(self, body: Json, model: str) -> Json:
        return body

    def response_from_openai(self, body: Json, model: str) -> Json:
        return body

    def stream_decoder(self, model: str) -> _Decoder:
        return _Decoder()

    def stream_encoder(self, model: str, include_usage: bool) -> _Encoder:
        return _Encoder(include_usage)

    def usage(self, body: Json) -> Usage | None:
        return openai_usage(body.get("usage"))

    def usage_tracker(self) -> _Tracker:
        return _Tracker()

    def error_message(self, body: bytes) -> str:
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            return body[:500].decode("utf-8", "replace") or "upstream error"
        if isinstance(data, dict):
            err = data.get("error")
            if isinstance(err, dict) and isinstance(err.get("message"), str):
                return err["message"]
            if isinstance(err, str):
                return err
            if isinstance(data.get("message"), str):
                return data["message"]
        return "upstream error"
