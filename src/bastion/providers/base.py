"""What a provider adapter is: a pure translator from (provider, model id, wire body) to an HTTP request.

Adapters do no I/O. `bastion.upstream` sends what they build; `bastion.translate` owns body formats.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Protocol

from bastion.config.schema import ProviderConfig
from bastion.translate.base import Json


@dataclass(slots=True)
class UpstreamRequest:
    url: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    method: str = "POST"


class Adapter(Protocol):
    wire: ClassVar[str]  # the body format this provider speaks: "openai", "anthropic" or "gemini"

    def chat(self, provider: ProviderConfig, model: str, body: bytes, stream: bool) -> UpstreamRequest: ...

    def embeddings(self, provider: ProviderConfig, model: str, body: bytes) -> UpstreamRequest: ...

    def responses(
        self, provider: ProviderConfig, model: str, body: bytes, stream: bool
    ) -> UpstreamRequest: ...

    def prepare(self, operation: str, body: Json, model: str) -> Json:
        """Last touches to a body already in this wire format (e.g. ask for usage in streams)."""
        ...


def json_headers(provider: ProviderConfig, auth: dict[str, str]) -> dict[str, str]:
    headers = {"Content-Type": "application/json", "Accept-Encoding": "gzip, deflate"}
    headers.update(provider.headers)
    headers.update(auth)
    return headers
