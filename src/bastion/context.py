"""The one object every pipeline stage reads and writes for a request."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from bastion.config.schema import ModelEntry, ProviderConfig
from bastion.errors import GatewayError
from bastion.sse import SseEvent
from bastion.usage import Usage

# Inbound APIs: id -> (wire format of the body, error flavor, operation)
APIS: dict[str, tuple[str, str, str]] = {
    "openai.chat": ("openai", "openai", "chat"),
    "openai.embeddings": ("openai", "openai", "embeddings"),
    "openai.responses": ("openai", "openai", "responses"),
    "anthropic.messages": ("anthropic", "anthropic", "chat"),
}


@dataclass(slots=True, frozen=True)
class Target:
    """One concrete place a model name can be served: a models entry and its provider."""

    entry: ModelEntry
    provider: ProviderConfig

    @property
    def region(self) -> str | None:
        return self.entry.region or self.provider.region

    @property
    def label(self) -> str:
        return f"{self.provider.name}/{self.entry.model}"


@dataclass(slots=True, frozen=True)
class Principal:
    """Who is calling. Issue-level identity (virtual keys, teams) extends this."""

    key_id: str
    name: str
    team: str | None = None
    user: str | None = None
    role: str = "admin"


@dataclass(slots=True)
class Attempt:
    target: str
    outcome: str  # "ok" or the error class
    status: int | None
    message: str | None = None


@dataclass(slots=True)
class RequestContext:
    request_id: str
    api: str
    body: dict[str, Any]
    headers: Mapping[str, str]
    client_ip: str | None = None
    started_ns: int = field(default_factory=time.perf_counter_ns)
    started_at: float = field(default_factory=time.time)
    principal: Principal | None = None
    model: str = ""
    stream: bool = False
    candidates: list[Target] = field(default_factory=list)
    target: Target | None = None
    attempts: list[Attempt] = field(default_factory=list)
    # the response, in the client's format: a full body, or a stream of events
    status: int = 200
    response: dict[str, Any] | None = None
    response_raw: bytes | None = None  # the upstream bytes when the body passed through untouched
    events: AsyncIterator[SseEvent] | None = None
    stream_completed: bool = False
    usage: Usage | None = None
    error: GatewayError | None = None
    upstream_ns: int = 0  # time spent waiting on the provider (excluded from overhead)
    first_byte_ns: int | None = None
    ended_ns: int | None = None
    # data protection: the body as the client sent it (kept only when the PII stage changed it, for
    # providers marked trusted) and the per-request pseudonym vault (never logged or serialised)
    original_body: dict[str, Any] | None = None
    vault: Any = None
    annotations: dict[str, Any] = field(default_factory=dict)  # what stages decided, for the audit record

    @property
    def wire(self) -> str:
        return APIS[self.api][0]

    @property
    def flavor(self) -> str:
        return APIS[self.api][1]

    @property
    def operation(self) -> str:
        return APIS[self.api][2]

    def overhead_ms(self, now_ns: int | None = None) -> float:
        now = now_ns if now_ns is not None else time.perf_counter_ns()
        return max(0, now - self.started_ns - self.upstream_ns) / 1e6
