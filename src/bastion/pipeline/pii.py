"""Stage 4: protect data. Every text segment of the request (system prompts, history, tool calls and
results, content blocks, embeddings input) is scanned; each finding gets its label's action: pseudonymize
(reversible `<PERSON_1>`), mask, hash (keyed HMAC), allow, or block (the request is refused naming the
entity types, never the values). The vault that can reverse pseudonyms stays in the request context only.

Providers with their own map (`pii.providers.<name>`, `trusted: true`) receive the original body
rewritten under that map (`bastion.pipeline.pii_variants`); block from the caller's actions still refuses
the request, a provider's own block keeps the request away from that provider."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from bastion.apis.text import Segment
from bastion.config.pii import PiiConfig
from bastion.config.pii_settings import Action
from bastion.config.schema import ProviderConfig
from bastion.context import RequestContext
from bastion.errors import BadRequest, PayloadTooLarge
from bastion.pii import PiiEngine, Vault
from bastion.pipeline.offload import scan
from bastion.pipeline.pii_variants import PiiVariants, destination_maps
from bastion.routing.constraints import constrain
from bastion.textcache import scope_of


class PiiBlocked(BadRequest):
    default_code = "pii_blocked"


class PiiStage:
    name = "pii"

    def __init__(self, settings: PiiConfig, providers: Sequence[ProviderConfig] = ()) -> None:
        self.settings = settings
        self.engine = PiiEngine(settings) if settings.enabled else None
        self.active = self.engine is not None
        self.actions: dict[str, Action] = settings.action_map()
        self.team_actions: dict[str, dict[str, Action]] = {}
        for team, override in settings.teams.items():
            base = override.default_action
            merged = {label: base for label in self.actions} if base else dict(self.actions)
            merged.update(override.actions)
            self.team_actions[team] = merged
        # without a configured key, `hash` is keyed per process: stable within it, never across deployments
        self.hash_key = settings.hash_key.encode() if settings.hash_key else os.urandom(32)
        self.destinations = destination_maps(settings, providers)  # provider name -> its own actions

    def actions_for(self, ctx: RequestContext) -> Mapping[str, Action]:
        team = ctx.principal.team if ctx.principal else None
        return self.team_actions.get(team, self.actions) if team else self.actions

    async def run(self, ctx: RequestContext) -> None:
        engine = self.engine
        if engine is None:
            return
        actions = self.actions_for(ctx)
        if ctx.pii_overrides:  # per-request overrides from policy rules (`then.redact`)
            actions = {**actions, **ctx.pii_overrides}  # type: ignore[dict-item]
        # spans per text: those the policy stage already detected, plus ours (the restore stage reads them
        # to tell PII the model produced from values the request itself held)
        detected = ctx.pii_spans
        if detected is None:
            detected = ctx.pii_spans = {}
        segs = [seg for seg in ctx.api.request_segments(ctx.body) if seg.text]
        total = sum(len(seg.text) for seg in segs)
        limit = self.settings.max_chars
        if total > limit:
            raise PayloadTooLarge(
                f"the request's texts total {total} characters, over the PII scanner's limit of {limit}; "
                "the request was not sent"
            )
        # a large request (one long text or many short ones) is scanned in a worker thread, so the event
        # loop keeps serving other requests meanwhile
        vault = await scan(total, self._protect, ctx, segs, actions, detected)
        if vault is None:
            return
        ctx.vault = vault
        ctx.annotations["pii"] = vault.summary()
        blocked = vault.blocked_labels
        if blocked:
            raise PiiBlocked(
                f"the request contains data that policy does not allow to leave: {', '.join(sorted(blocked))}"
            )
        if self.destinations:
            variants = PiiVariants(ctx, actions, self.destinations, self.hash_key, detected)
            ctx.pii_variants = variants
            for name in self.destinations:
                kept_out = variants.blocked_by(name)
                if kept_out:
                    constrain(
                        ctx, exclude=[name], reason=f"pii.providers.{name} blocks {', '.join(kept_out)}"
                    )

    def _protect(
        self,
        ctx: RequestContext,
        segs: list[Segment],
        actions: Mapping[str, Action],
        detected: dict[str, list[Any]],
    ) -> Vault | None:
        """Detects and rewrites every segment in place; the vault, or None when nothing was found."""
        assert self.engine is not None
        vault: Vault | None = None
        who = ctx.principal
        scope = scope_of(who.team_id, who.team, who.key_id) if who is not None else ""
        for seg in segs:
            text = seg.text
            spans = detected.get(text)
            if spans is None:
                spans = detected[text] = self.engine.detect(text, scope)
            if not spans:
                continue
            if vault is None:
                vault = Vault(self.hash_key)
                ctx.original_body = orjson.loads(orjson.dumps(ctx.body))
            new_text, _ = vault.apply(text, spans, actions)
            if new_text != text:
                seg.set(new_text)
        return vault


class LiveDetector:
    """The PII engine in force, for what is built once yet scans text too (content checks, policy `pii:`
    conditions): a runtime config change gives the PII stage a new engine, and this follows it."""

    def __init__(self, stage: PiiStage) -> None:
        self.stage = stage

    def detect(self, text: str, scope: str = "") -> list[Any]:
        """``scope``: the caller's cache scope (`bastion.textcache.scope_of`), as `PiiEngine.detect`."""
        engine = self.stage.engine
        return engine.detect(text, scope) if engine is not None else []
