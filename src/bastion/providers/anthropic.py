"""Anthropic Messages API."""

from __future__ import annotations

from typing import ClassVar

from bastion.config.schema import ProviderConfig
from bastion.errors import BadRequest
from bastion.providers.base import UpstreamRequest, json_headers
from bastion.translate.base import Json

API_VERSION = "2023-06-01"


class AnthropicAdapter:
    wire: ClassVar[str] = "anthropic"

    def chat(self, provider: ProviderConfig, model: str, body: bytes, stream: bool) -> UpstreamRequest:
        base = provider.url
        url = base + ("/messages" if base.endswith("/v1") else "/v1/messages")
        auth = {"x-api-key": provider.secret(), "anthropic-version": API_VERSION}
        return UpstreamRequest(url, body, json_headers(provider, auth))

    def embeddings(self, provider: ProviderConfig, model: str, body: bytes) -> UpstreamRequest:
        raise BadRequest(f"provider {provider.name} (anthropic) does not offer embeddings", param="model")

    def responses(self, provider: ProviderConfig, model: str, body: bytes, stream: bool) -> UpstreamRequest:
        raise BadRequest(
            f"/v1/responses is passed through to OpenAI-type providers only; {provider.name} is anthropic",
            param="model",
        )

    def prepare(self, operation: str, body: Json, model: str) -> Json:
        return body
