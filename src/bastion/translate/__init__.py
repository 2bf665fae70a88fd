"""Format translation between client APIs and provider wire formats (OpenAI chat is the hub)."""

from __future__ import annotations

from bastion.translate.anthropic import AnthropicCodec
from bastion.translate.base import Codec, Json, StreamDecoder, StreamEncoder, UsageTracker
from bastion.translate.gemini import GeminiCodec
from bastion.translate.openai import OpenAICodec


def build_codecs() -> dict[str, Codec]:
    """The registry: wire format name -> codec."""
    return {"openai": OpenAICodec(), "anthropic": AnthropicCodec(), "gemini": GeminiCodec()}


def translate_request(
    codecs: dict[str, Codec], body: Json, src: str, dst: str, model: str, *, stream: bool = False
) -> Json:
    """A request body in format `src` as format `dst` for provider model id `model`. `stream`: the answer
    streams (a format whose body does not say so, Gemini's, says it in the URL)."""
    if src == dst:
        return (
            codecs[dst].request_from_openai(body, model) if dst == "openai" else _with_model(body, dst, model)
        )
    hub = codecs[src].request_to_openai(body)
    if stream:
        hub["stream"] = True
    return codecs[dst].request_from_openai(hub, model)


def translate_response(codecs: dict[str, Codec], body: Json, src: str, dst: str, model: str) -> Json:
    """A non-streaming response of provider format `src` as client format `dst`."""
    if src == dst:
        return body
    hub = codecs[src].response_to_openai(body, model)
    return codecs[dst].response_from_openai(hub, model)


def _with_model(body: Json, fmt: str, model: str) -> Json:
    if fmt == "gemini":
        return body
    out = dict(body)
    out["model"] = model
    return out


__all__ = [
    "Codec",
    "Json",
    "StreamDecoder",
    "StreamEncoder",
    "UsageTracker",
    "build_codecs",
    "translate_request",
    "translate_response",
]
