"""The one object every pipeline stage reads and writes for a request."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bastion.apis.base import ClientApi
from bastion.config.limits import Budget, RateLimits
from bastion.config.schema import ModelEntry, ProviderConfig
from bastion.errors import GatewayError
from bastion.sse import SseEvent
from bastion.usage import Usage

if TYPE_CHECKING:  # annotations only: these packages sit above the context (docs/architecture.md)
    from bastion.guard.verdicts import GuardRun
    from bastion.limits.limiter import Ticket
    from bastion.pii.span import Span
    from bastion.pii.vault import Vault
    from bastion.pipeline.pii_variants import PiiVariants
    from bastion.policy.enforce import PolicyRun
    from bastion.routing.constraints import RouteConstraints
    from bastion.routing.plan import RoutePlan

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
    """Who is calling: the config admin key, or a virtual key (`bastion.identity`).

    `role` is the admin-API role: "admin", "team-admin", "auditor", or None for a data-plane-only key.
    `models` / `team_models` are glob patterns (None: no restriction at that level); a model must match
    both (`bastion.identity.access.model_allowed`). `regions` is the key's and team's regions intersected.
    """

    key_id: str
    name: str
    team: str | None = None
    user: str | None = None
    role: str | None = "admin"
    team_id: str | None = None
    models: tuple[str, ...] | None = None
    team_models: tuple[str, ...] | None = None
    regions: frozenset[str] | None = None
    # rate limits and budgets of the key and of its team (`bastion.limits`); None: none at that level
    limits: RateLimits | None = None
    budget: Budget | None = None
    team_limits: RateLimits | None = None
    team_budget: Budget | None = None


@dataclass(slots=True)
class Attempt:
    target: str
    outcome: str  # "ok" or the error class
    status: int | None
    message: str | None = None


@dataclass(slots=True)
class RequestContext:
    request_id: str
    api: ClientApi  # the inbound API (`bastion.apis`); `api.name` is its label in records and metrics
    body: dict[str, Any]
    headers: Mapping[str, str]
    client_ip: str | None = None
    # the route's path parameters and the query parameters its API reads (Gemini: model, method, alt, key)
    params: Mapping[str, str] = field(default_factory=dict)
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
    vault: Vault | None = None
    # what each provider receives when its own PII map differs from the caller's (`pipeline.pii_variants`)
    pii_variants: PiiVariants | None = None
    raw_body: bytes = b""  # the request body as read, until the decode stage parses it
    client_cancelled: bool = False  # the client went away before the answer was complete
    annotations: dict[str, Any] = field(default_factory=dict)  # what stages decided, for the audit record
    response_headers: dict[str, str] = field(default_factory=dict)  # added to the answer (x-ratelimit-*)
    admission: Ticket | None = None  # the limits stage's ticket, settled in finish
    # routing: where policy/PII allow the request to go (`bastion.routing.constraints.constrain`), and the
    # route stage's plan (ranked targets, attempts in flight), read by the call stage
    route_constraints: RouteConstraints | None = None
    route: RoutePlan | None = None
    # policy (`bastion.policy`): the rule set this request runs under and what it decided (read by the
    # inspect stage), PII action overrides from rules, and PII spans already detected per text (the PII
    # stage reuses them instead of detecting twice)
    policy: PolicyRun | None = None
    pii_overrides: dict[str, str] | None = None
    pii_spans: dict[str, list[Span]] | None = None
    # content guardrails (`bastion.guard`): request scores, verdicts, the shadow judge (a GuardRun)
    guard: GuardRun | None = None

    def overhead_ms(self, now_ns: int | None = None) -> float:
        now = now_ns if now_ns is not None else time.perf_counter_ns()
        return max(0, now - self.started_ns - self.upstream_ns) / 1e6
