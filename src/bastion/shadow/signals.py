"""Signals from the gateway itself, recorded in the same daily view as the logs:

- `gateway-key`: a request refused with 401 whose key has a provider's shape (sk-..., sk-ant-...,
  AIza...): someone pointed an SDK holding a real provider key at Bastion. Only the key's class is kept,
  never the key, nor a hash of it.
- `unknown-key`: a request refused with 401 for a key of no known shape (typo, revoked, made up).
- `prompt-secret`: a provider key found by the PII stage's SECRET recognizer in a prompt (someone pasting
  credentials for a service the company may not sanction).

The stage runs nothing per request (`active = False`); its `finish` reads what authentication and the PII
stage left in the request context."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bastion.context import RequestContext
from bastion.identity.access import presented_key

if TYPE_CHECKING:
    from bastion.shadow.runtime import ShadowRuntime

# (prefix, key class, catalogue service) — longest prefixes first; classes, never the key, are recorded
KEY_CLASSES: tuple[tuple[str, str, str], ...] = (
    ("sk-ant-", "anthropic", "anthropic-api"),
    ("sk-or-", "openrouter", "openrouter"),
    ("sk-proj-", "openai-project", "openai-api"),
    ("sk-svcacct-", "openai-service-account", "openai-api"),
    ("sk-admin-", "openai-admin", "openai-api"),
    ("sk-", "openai-style", "openai-api"),  # also DeepSeek and other OpenAI-compatible vendors
    ("AIza", "google-api", "gemini-api"),
    ("gsk_", "groq", "groq"),
    ("xai-", "xai", "xai-api"),
    ("pplx-", "perplexity", "perplexity-api"),
    ("hf_", "huggingface", "huggingface-inference"),
    ("r8_", "replicate", "replicate"),
    ("nvapi-", "nvidia", "nvidia-nim"),
)
UNKNOWN_KEY = "unknown-key"  # the pseudo-service refused unknown keys are counted under


def classify(key: str) -> tuple[str, str] | None:
    """(key class, service) of a provider-shaped key, or None."""
    for prefix, kind, service in KEY_CLASSES:
        if key.startswith(prefix) and len(key) >= len(prefix) + 16:
            return kind, service
    return None


class ShadowSignalStage:
    name = "shadow_signals"
    active = False  # nothing to do before the response: see `finish`

    def __init__(self, runtime: ShadowRuntime | None) -> None:
        self.runtime = runtime if runtime is not None and runtime.settings.gateway_signals else None

    async def run(self, ctx: RequestContext) -> None:
        return None

    async def finish(self, ctx: RequestContext) -> None:
        runtime = self.runtime
        if runtime is None:
            return
        error = ctx.error
        if ctx.principal is None and error is not None and error.status_code == 401:
            key = presented_key(ctx.headers) if error.code != "expired_api_key" else None
            if key:
                found = classify(key)
                source, service = ("gateway-key", found[1]) if found else ("unknown-key", UNKNOWN_KEY)
                runtime.record(service, ctx.client_ip or "unknown", ctx.started_at, 0, source)
            return
        if ctx.pii_spans:
            services = set()
            for text, spans in ctx.pii_spans.items():
                for span in spans:
                    if span.label == "SECRET":
                        found = classify(text[span.start : span.end])
                        if found:
                            services.add(found[1])
            user = _who(ctx)
            for service in sorted(services):  # once per request and service
                runtime.record(service, user, ctx.started_at, 0, "prompt-secret")


def _who(ctx: RequestContext) -> str:
    p = ctx.principal
    if p is None:
        return ctx.client_ip or "unknown"
    return p.user or (f"key:{p.name}" if p.key_id != "admin" else "admin")
