"""What each provider receives when a request holds PII. The PII stage detects once and rewrites the
request under the caller's actions (global, team, policy `then.redact`): that is `ctx.body`, sent to every
provider without a map of its own. A provider with a map (`pii.providers.<name>`, or `trusted: true`, which
means `default_action: allow`) gets its own copy of the original body rewritten under

    effective(type) = block                    if the caller's action is block (the request is refused)
                      provider's action        if the provider names one (explicitly or by default_action)
                      caller's action          otherwise

with its own vault, so the answer of whichever provider served is restored with the pseudonyms that
provider saw. A provider whose own action for a type found is `block` is kept out of the route."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from bastion.config.pii import PiiConfig
from bastion.config.pii_settings import Action
from bastion.config.schema import ProviderConfig
from bastion.context import RequestContext
from bastion.pii import Vault
from bastion.pii.span import LABELS

Actions = Mapping[str, Action]


def destination_maps(
    settings: PiiConfig, providers: Sequence[ProviderConfig]
) -> dict[str, dict[str, Action]]:
    """Provider name -> the actions that provider's own config names (labels it leaves alone are absent).
    `trusted: true` is `default_action: allow`; `pii.providers.<name>` refines or replaces that."""
    out: dict[str, dict[str, Action]] = {}
    for provider in providers:
        override = settings.providers.get(provider.name)
        default: Action | None = "allow" if provider.trusted else None
        explicit: dict[str, Action] = {}
        if override is not None:
            default = override.default_action or default
            explicit = dict(override.actions)
        if default is None and not explicit:
            continue
        out[provider.name] = {
            label: explicit.get(label, default)  # type: ignore[misc]
            for label in LABELS
            if label in explicit or default is not None
        }
    return out


def effective(caller: Actions, destination: Actions) -> dict[str, Action]:
    return {
        label: action if action == "block" else destination.get(label, action)
        for label, action in caller.items()
    }


@dataclass(slots=True, frozen=True)
class Variant:
    body: dict[str, Any]
    vault: Vault
    summary: dict[str, dict[str, int]]  # {type: {action: count}} for the audit record (no values)


class PiiVariants:
    """Per request: the body (and vault) each provider receives. Built lazily, one per distinct set of
    effective actions over the types found, so providers sharing a map share a body."""

    __slots__ = ("_api", "_built", "_caller", "_default", "_destinations", "_found", "_hash_key", "_original",
                 "_spans")  # fmt: skip

    def __init__(
        self,
        ctx: RequestContext,
        caller: Actions,
        destinations: Mapping[str, Actions],
        hash_key: bytes,
        spans: Mapping[str, list[Any]],
    ) -> None:
        assert ctx.original_body is not None and ctx.vault is not None
        self._api = ctx.api
        self._original = ctx.original_body
        self._caller = caller
        self._destinations = destinations
        self._hash_key = hash_key
        self._spans = spans
        self._found = frozenset(ctx.vault.summary())
        self._default = Variant(ctx.body, ctx.vault, ctx.vault.summary())
        self._built: dict[tuple[tuple[str, str], ...], Variant] = {self._key(caller): self._default}

    def _key(self, actions: Actions) -> tuple[tuple[str, str], ...]:
        return tuple(sorted((label, actions.get(label, "pseudonymize")) for label in self._found))

    def blocked_by(self, name: str) -> list[str]:
        """Types found in this request that provider `name` may not receive (its own `block`)."""
        dest = self._destinations.get(name)
        if not dest:
            return []
        return sorted(t for t in self._found if dest.get(t) == "block" and self._caller.get(t) != "block")

    def is_default(self, name: str) -> bool:
        return self.for_provider(name) is self._default

    def for_provider(self, name: str) -> Variant:
        dest = self._destinations.get(name)
        if not dest:
            return self._default
        actions = effective(self._caller, dest)
        key = self._key(actions)
        variant = self._built.get(key)
        if variant is None:
            variant = self._built[key] = self._build(actions)
        return variant

    def _build(self, actions: Actions) -> Variant:
        body = orjson.loads(orjson.dumps(self._original))
        vault = Vault(self._hash_key)
        for seg in self._api.request_segments(body):
            text = seg.text
            found = self._spans.get(text) if text else None
            if not found:
                continue
            new_text, _ = vault.apply(text, found, actions)
            if new_text != text:
                seg.set(new_text)
        return Variant(body, vault, vault.summary())

    def __repr__(self) -> str:
        return f"PiiVariants(types={sorted(self._found)}, built={len(self._built)})"


def body_for(ctx: RequestContext, provider: ProviderConfig) -> dict[str, Any]:
    """The request body `provider` may receive; records its PII summary as the request's (the last
    provider tried is the one that served, or the last that failed)."""
    variants: PiiVariants | None = ctx.pii_variants
    if variants is None:
        return ctx.body
    variant = variants.for_provider(provider.name)
    ctx.annotations["pii"] = variant.summary
    return variant.body


def vault_for(ctx: RequestContext) -> Vault | None:
    """The vault that restores the answer of the provider that served (`ctx.target`)."""
    variants: PiiVariants | None = ctx.pii_variants
    if variants is None or ctx.target is None:
        return ctx.vault
    return variants.for_provider(ctx.target.provider.name).vault


def sent_default(ctx: RequestContext, provider: ProviderConfig) -> bool:
    """True when `provider` received `ctx.body` (what the response cache key and restoration assume)."""
    variants: PiiVariants | None = ctx.pii_variants
    return variants is None or variants.is_default(provider.name)
