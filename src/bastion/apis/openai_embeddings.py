"""OpenAI Embeddings: `POST /v1/embeddings` (no streams, no answer text)."""

from __future__ import annotations

from bastion.apis.base import ClientApi, require
from bastion.apis.text import Json, Segment


class OpenAIEmbeddings(ClientApi):
    name = "openai.embeddings"
    wire = "openai"
    flavor = "openai"
    operation = "embeddings"
    routes = ("/v1/embeddings",)
    prefixes = ("/v1/embeddings",)

    def check_fields(self, body: Json) -> None:
        require(body, "input", (str, list), "a string or an array")

    def request_segments(self, body: Json) -> list[Segment]:
        inp = body.get("input")
        if isinstance(inp, str):
            return [Segment(body, "input", "input")]
        if isinstance(inp, list):
            return [Segment(inp, i, "input") for i, v in enumerate(inp) if isinstance(v, str)]
        return []

    def max_output_tokens(self, body: Json) -> int | None:
        return 0  # an embedding has no output tokens


API = OpenAIEmbeddings()
