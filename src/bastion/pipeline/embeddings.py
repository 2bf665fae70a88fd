"""Embeddings bodies per provider format (OpenAI passes through; Gemini is translated)."""

from __future__ import annotations

import base64
import struct
from typing import Any

from bastion.errors import BadRequest
from bastion.translate import Codec
from bastion.translate.gemini_embeddings import embeddings_request_from_openai, embeddings_response_to_openai
from bastion.translate.openai import openai_usage
from bastion.usage import Usage


def embeddings_body(body: dict[str, Any], wire: str, model: str) -> dict[str, Any]:
    if wire == "openai":
        return {**body, "model": model}
    if wire == "gemini":
        return embeddings_request_from_openai(body, model)
    raise BadRequest("this model's provider does not offer embeddings", param="model")


def _inputs(body: dict[str, Any]) -> list[str]:
    inp = body.get("input")
    if isinstance(inp, str):
        return [inp]
    return [i for i in inp or () if isinstance(i, str)]


def embeddings_result(
    codecs: dict[str, Codec], request: dict[str, Any], data: dict[str, Any], wire: str
) -> tuple[dict[str, Any], Usage | None]:
    """The OpenAI-shaped embeddings response for the client and its usage (None = unknown)."""
    if wire == "openai":
        return data, openai_usage(data.get("usage"))
    out = embeddings_response_to_openai(data, str(request.get("model", "")), _inputs(request))
    if request.get("encoding_format") == "base64":
        for item in out.get("data") or ():
            vec = item.get("embedding")
            if isinstance(vec, list):
                item["embedding"] = base64.b64encode(struct.pack(f"<{len(vec)}f", *vec)).decode()
    return out, None
