"""OpenAI embeddings <-> Gemini batchEmbedContents."""

from __future__ import annotations

import base64
import struct

import pytest

from bastion.errors import BadGateway, BadRequest
from bastion.translate.gemini_embeddings import (
    embeddings_request_from_openai,
    embeddings_response_to_openai,
    embeddings_usage,
)
from bastion.usage import Usage
from translate.gemini_cases import Json

# ---- embeddings --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "model", "expected"),
    [
        pytest.param(
            {"model": "alias", "input": "hello"},
            "gemini-embedding-001",
            {
                "requests": [
                    {"model": "models/gemini-embedding-001", "content": {"parts": [{"text": "hello"}]}},
                ]
            },
            id="single",
        ),
        pytest.param(
            {"input": ["a", "b"], "dimensions": 256, "encoding_format": "float"},
            "models/text-embedding-004",
            {
                "requests": [
                    {
                        "model": "models/text-embedding-004",
                        "content": {"parts": [{"text": "a"}]},
                        "outputDimensionality": 256,
                    },
                    {
                        "model": "models/text-embedding-004",
                        "content": {"parts": [{"text": "b"}]},
                        "outputDimensionality": 256,
                    },
                ]
            },
            id="batch-with-dimensions",
        ),
    ],
)
def test_embeddings_request(body: Json, model: str, expected: Json) -> None:
    assert embeddings_request_from_openai(body, model) == expected


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"input": [1, 2, 3]}, "token arrays"),
        ({"input": [[1, 2], [3]]}, "token arrays"),
        ({"input": []}, "non-empty"),
        ({}, "non-empty"),
        ({"input": "x", "encoding_format": "int8"}, "encoding_format"),
    ],
)
def test_embeddings_request_rejects(body: Json, fragment: str) -> None:
    with pytest.raises(BadRequest, match=fragment):
        embeddings_request_from_openai(body, "m")


def test_embeddings_response() -> None:
    body = {"embeddings": [{"values": [0.5, -1.0]}, {"values": [0.25, 2.0]}]}
    assert embeddings_response_to_openai(body, "alias", ["a", "b"]) == {
        "object": "list",
        "data": [
            {"object": "embedding", "index": 0, "embedding": [0.5, -1.0]},
            {"object": "embedding", "index": 1, "embedding": [0.25, 2.0]},
        ],
        "model": "alias",
        "usage": {"prompt_tokens": 0, "total_tokens": 0},
    }
    assert embeddings_usage(body) == Usage(input_tokens=None, output_tokens=None)


def test_embeddings_response_base64() -> None:
    body = {"embeddings": [{"values": [0.5, -1.0, 3.25]}]}
    out = embeddings_response_to_openai(body, "alias", ["a"], encoding_format="base64")
    raw = base64.b64decode(out["data"][0]["embedding"])
    assert struct.unpack("<3f", raw) == (0.5, -1.0, 3.25)


def test_embeddings_response_count_mismatch() -> None:
    with pytest.raises(BadGateway, match="1 embeddings for 2 inputs"):
        embeddings_response_to_openai({"embeddings": [{"values": [1.0]}]}, "m", ["a", "b"])
