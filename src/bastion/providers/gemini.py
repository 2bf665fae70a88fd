"""Google Gemini API (generateContent, streamGenerateContent with SSE, batchEmbedContents)."""

from __future__ import annotations

from typing import ClassVar
from urllib.parse import quote

from bastion.config.schema import ProviderConfig
from bastion.errors import BadRequest
from bastion.providers.base import UpstreamRequest, json_headers
from bastion.translate.base import Json


class GeminiAdapter:
    wire: ClassVar[str] = "gemini"

    def _url(self, provider: ProviderConfig, model: str, method: str) -> str:
        name = model.removeprefix("models/")
        return f"{provider.url}/models/{quote(name, safe='-._~')}:{method}"

    def _headers(self, provider: ProviderConfig) -> dict[str, str]:
        return json_headers(provider, {"x-goog-api-key": provider.secret()})

    def chat(self, provider: ProviderConfig, model: str, body: bytes, stream: bool) -> UpstreamRequest:
        method = "streamGenerateContent?alt=sse" if stream else "generateContent"
        return UpstreamRequest(self._url(provider, model, method), body, self._headers(provider))

    def embeddings(self, provider: ProviderConfig, model: str, body: bytes) -> UpstreamRequest:
        return UpstreamRequest(
            self._url(provider, model, "batchEmbedContents"), body, self._headers(provider)
        )

    def responses(self, provider: ProviderConfig, model: str, body: bytes, stream: bool) -> UpstreamRequest:
        raise BadRequest(
            f"/v1/responses is passed through to OpenAI-type providers only; {provider.name} is gemini",
            param="model",
        )

    def prepare(self, operation: str, body: Json, model: str) -> Json:
        if "stream" in body:
            body = {k: v for k, v in body.items() if k != "stream"}
        return body
