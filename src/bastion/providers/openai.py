"""OpenAI and every OpenAI-compatible provider (DeepSeek, Mistral, xAI, Groq, Together, Ollama, vLLM...)."""

from __future__ import annotations

from typing import ClassVar

from bastion.config.schema import ProviderConfig
from bastion.errors import BadRequest
from bastion.providers.base import UpstreamRequest, json_headers
from bastion.translate.base import Json


class OpenAIAdapter:
    wire: ClassVar[str] = "openai"

    def _auth(self, provider: ProviderConfig) -> dict[str, str]:
        key = provider.secret()
        return {"Authorization": f"Bearer {key}"} if key else {}

    def _post(self, provider: ProviderConfig, path: str, body: bytes) -> UpstreamRequest:
        return UpstreamRequest(provider.url + path, body, json_headers(provider, self._auth(provider)))

    def chat(self, provider: ProviderConfig, model: str, body: bytes, stream: bool) -> UpstreamRequest:
        return self._post(provider, "/chat/completions", body)

    def embeddings(self, provider: ProviderConfig, model: str, body: bytes) -> UpstreamRequest:
        return self._post(provider, "/embeddings", body)

    def responses(self, provider: ProviderConfig, model: str, body: bytes, stream: bool) -> UpstreamRequest:
        return self._post(provider, "/responses", body)

    def prepare(self, operation: str, body: Json, model: str) -> Json:
        if operation == "chat" and body.get("stream"):
            opts = body.get("stream_options")
            if not (isinstance(opts, dict) and opts.get("include_usage")):
                body = dict(body)
                body["stream_options"] = {**(opts if isinstance(opts, dict) else {}), "include_usage": True}
        return body


class AzureOpenAIAdapter(OpenAIAdapter):
    """Azure OpenAI: the deployment is the model id; the key goes in `api-key`."""

    def _auth(self, provider: ProviderConfig) -> dict[str, str]:
        return {"api-key": provider.secret()}

    def _deployment(self, provider: ProviderConfig, model: str, op: str) -> str:
        return f"{provider.url}/openai/deployments/{model}/{op}?api-version={provider.api_version}"

    def chat(self, provider: ProviderConfig, model: str, body: bytes, stream: bool) -> UpstreamRequest:
        url = self._deployment(provider, model, "chat/completions")
        return UpstreamRequest(url, body, json_headers(provider, self._auth(provider)))

    def embeddings(self, provider: ProviderConfig, model: str, body: bytes) -> UpstreamRequest:
        url = self._deployment(provider, model, "embeddings")
        return UpstreamRequest(url, body, json_headers(provider, self._auth(provider)))

    def responses(self, provider: ProviderConfig, model: str, body: bytes, stream: bool) -> UpstreamRequest:
        url = f"{provider.url}/openai/responses?api-version={provider.api_version}"
        return UpstreamRequest(url, body, json_headers(provider, self._auth(provider)))


class DemoAdapter(OpenAIAdapter):
    """The built-in demo provider speaks OpenAI's format in process (`demo://` URLs, no network)."""

    def _post(self, provider: ProviderConfig, path: str, body: bytes) -> UpstreamRequest:
        return UpstreamRequest("demo://" + path.lstrip("/"), body, {})

    def responses(self, provider: ProviderConfig, model: str, body: bytes, stream: bool) -> UpstreamRequest:
        if b'"input"' not in body:
            raise BadRequest("input is required", param="input")
        return self._post(provider, "/responses", body)
