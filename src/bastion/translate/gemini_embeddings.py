"""OpenAI `/v1/embeddings` <-> Gemini `models/{model}:batchEmbedContents`.

Gemini embeds text only, so token-array inputs are refused. Gemini reports no token counts for
embeddings: the client body carries `usage` zeros (OpenAI SDKs expect the object), while
`embeddings_usage` tells the gateway the truth (unknown), unless Gemini did send `usageMetadata`.
`encoding_format: "base64"` (the OpenAI Python SDK's default) is honoured: little-endian float32, as OpenAI
encodes it.
"""

from __future__ import annotations

import base64
import struct
from typing import Any

from bastion.errors import BadGateway, BadRequest
from bastion.translate.base import Json
from bastion.usage import Usage

_FORMATS = ("float", "base64")


def embeddings_inputs(body: Json) -> list[str]:
    """The texts to embed, validated: a string or a non-empty list of strings."""
    value = body.get("input")
    texts = [value] if isinstance(value, str) else value
    if not isinstance(texts, list) or not texts:
        raise BadRequest("'input' must be a string or a non-empty array of strings", param="input")
    if not all(isinstance(t, str) for t in texts):
        raise BadRequest(
            "Gemini embeddings accept text only: send 'input' as strings, not token arrays", param="input"
        )
    return texts


def embeddings_request_from_openai(body: Json, model: str) -> Json:
    fmt = body.get("encoding_format")
    if fmt is not None and fmt not in _FORMATS:
        raise BadRequest(f"encoding_format must be one of {', '.join(_FORMATS)}", param="encoding_format")
    name = model if model.startswith("models/") else f"models/{model}"
    dimensions = body.get("dimensions")
    requests = []
    for text in embeddings_inputs(body):
        request: Json = {"model": name, "content": {"parts": [{"text": text}]}}
        if dimensions is not None:
            request["outputDimensionality"] = dimensions
        requests.append(request)
    return {"requests": requests}


def embeddings_response_to_openai(
    body: Json, model: str, inputs: list[str], *, encoding_format: str | None = None
) -> Json:
    """`inputs` are the texts sent (one embedding must come back for each); `encoding_format` is the
    client's request field."""
    embeddings = body.get("embeddings")
    if not isinstance(embeddings, list) or len(embeddings) != len(inputs):
        got = len(embeddings) if isinstance(embeddings, list) else 0
        raise BadGateway(f"Gemini returned {got} embeddings for {len(inputs)} inputs")
    data = [
        {"object": "embedding", "index": i, "embedding": _encode(_values(e), encoding_format)}
        for i, e in enumerate(embeddings)
    ]
    usage = embeddings_usage(body)
    tokens = usage.input_tokens or 0
    return {
        "object": "list",
        "data": data,
        "model": model,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }


def embeddings_usage(body: Json) -> Usage:
    """What the gateway records: unknown (None) unless Gemini reported a prompt token count."""
    meta = body.get("usageMetadata")
    count = meta.get("promptTokenCount") if isinstance(meta, dict) else None
    return Usage(input_tokens=count, output_tokens=0 if count is not None else None)


def _values(embedding: Any) -> list[float]:
    values = embedding.get("values") if isinstance(embedding, dict) else None
    if not isinstance(values, list):
        raise BadGateway("Gemini returned an embedding without values")
    return values


def _encode(values: list[float], encoding_format: str | None) -> list[float] | str:
    if encoding_format != "base64":
        return values
    return base64.b64encode(struct.pack(f"<{len(values)}f", *values)).decode("ascii")
