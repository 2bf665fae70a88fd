"""Label values: bounded (key, team and model names fold into `other` past a configured count), and the
few classifications every signal shares (the request's decision, the provider's `gen_ai.system`)."""

from __future__ import annotations

from bastion.context import RequestContext
from bastion.errors import BudgetExceeded, PolicyDenied, RateLimited, Unauthorized, UpstreamError

OTHER = "other"
NONE = ""

# provider type -> OpenTelemetry `gen_ai.system` well-known value (the provider type itself otherwise)
GEN_AI_SYSTEM: dict[str, str] = {
    "openai": "openai",
    "azure-openai": "az.ai.openai",
    "anthropic": "anthropic",
    "gemini": "gcp.gemini",
    "deepseek": "deepseek",
    "mistral": "mistral_ai",
    "xai": "xai",
    "grok": "xai",
    "groq": "groq",
    "together": "together",
    "ollama": "ollama",
    "vllm": "vllm",
    "openai-compatible": "openai_compatible",
    "demo": "demo",
}


class Folder:
    """The first `limit` distinct values keep their own label (per worker); later ones become `other`."""

    __slots__ = ("limit", "seen")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.seen: set[str] = set()

    def __call__(self, value: str | None) -> str:
        if not value:
            return NONE
        seen = self.seen
        if value in seen:
            return value
        if len(seen) >= self.limit:
            return OTHER
        seen.add(value)
        return value


def decision(ctx: RequestContext) -> str:
    """What the gateway decided: allowed, denied (policy or PII), rate_limited, budget_exceeded,
    unauthenticated, invalid (the client's request), upstream_error (the provider's 4xx), error (5xx),
    cancelled (the client went away)."""
    err = ctx.error
    if err is None:
        return "cancelled" if ctx.client_cancelled else "allowed"
    if isinstance(err, PolicyDenied):
        return "denied"
    if isinstance(err, RateLimited):
        return "rate_limited"
    if isinstance(err, BudgetExceeded):
        return "budget_exceeded"
    if isinstance(err, Unauthorized):
        return "unauthenticated"
    if isinstance(err, UpstreamError):
        return "upstream_error"
    status = err.status_code
    if status == 403 or err.code == "pii_blocked":
        return "denied"
    return "invalid" if status < 500 else "error"


def status(ctx: RequestContext) -> int:
    if ctx.error is not None:
        return ctx.error.status_code
    if ctx.client_cancelled and ctx.first_byte_ns is None:
        return 499  # nginx's "client closed request": nothing was sent
    return ctx.status


def system(ctx: RequestContext) -> str:
    target = ctx.target
    if target is None:
        return NONE
    ptype = target.provider.type
    return GEN_AI_SYSTEM.get(ptype, ptype)
