"""Request-side enforcement (called by `bastion.pipeline.policy.PolicyStage` after the model-access check):
evaluate the active set against the request and apply what it decided.

    deny            PolicyDenied (403, provider-shaped, naming the rule id)
    require_region  routing constraint (`bastion.routing.constraints.constrain`): fail closed, the route
                    stage refuses when no deployment in those regions exists
    route           `route_to` replaces the model; `route_provider` excludes every other provider
    redact          `then.redact` overrides PII actions for this request (ctx.pii_overrides); on rules with
                    text_matches/keywords the matched request text is replaced by `then.mask`
    transform       max_tokens cap, tools strip/allow-list, system instruction (`transform.py`)
    flag            recorded only (the audit record's policy.flagged)
    shadow          recorded under policy.shadow, nothing enforced
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from bastion.config.policy import PolicySettings
from bastion.context import Principal, RequestContext
from bastion.errors import PolicyDenied
from bastion.policy import transform
from bastion.policy.compiled import CompiledSet
from bastion.policy.decision import Decision
from bastion.policy.facts import Facts
from bastion.textcache import scope_of

EngineFactory = Callable[[], Any]  # -> a PII engine (with .detect) or None


@dataclass(slots=True)
class PolicyRun:
    """Stored on `ctx.policy`: the set a request started under (kept for its response rules even if a
    newer version is activated meanwhile), what it decided, and the request facts."""

    active: CompiledSet
    decision: Decision | None
    facts: Facts


def _max_tokens(body: dict[str, Any]) -> int | None:
    for key in ("max_completion_tokens", "max_tokens", "max_output_tokens"):
        value = body.get(key)
        if isinstance(value, int):
            return value
    return None


def _count(body: dict[str, Any], key: str) -> int:
    value = body.get(key)
    return len(value) if isinstance(value, list) else (1 if value else 0)


def deny_message(rule_id: str, message: str | None) -> str:
    return f"Blocked by policy '{rule_id}': {message or 'this request is not allowed'}"


class RequestEnforcer:
    def __init__(
        self,
        runtime: Any,  # PolicyRuntime (anything with `.active: CompiledSet`)
        settings: PolicySettings,
        providers: list[str],
        pii_engine: EngineFactory,
    ) -> None:
        self.runtime = runtime
        self.settings = settings
        self.providers = providers
        self._pii_engine = pii_engine
        self.scorer: Any = None  # content scores for `scores.<check>` (set by the composition root)
        self._engine: Any = None
        self._engine_built = False

    def detector(self) -> Callable[[str], list[Any]] | None:
        if not self._engine_built:
            self._engine = self._pii_engine()
            self._engine_built = True
        return self._engine.detect if self._engine is not None else None

    def facts(self, ctx: RequestContext, active: CompiledSet) -> Facts:
        p = ctx.principal
        body = ctx.body
        headers = ctx.headers
        return Facts(
            api=ctx.api.name,
            model=ctx.model,
            texts=[s.text for s in ctx.api.request_segments(body) if s.text],
            headers=headers,
            team=p.team if p else None,
            team_id=p.team_id if p else None,
            key_id=p.key_id if p else None,
            key_name=p.name if p else None,
            user=p.user if p else None,
            role=p.role if p else None,
            stream=ctx.stream,
            max_tokens=_max_tokens(body),
            tools=_count(body, "tools"),
            messages=_count(body, "messages") or _count(body, "input"),
            use_case=headers.get(self.settings.use_case_header),
            app=headers.get(self.settings.app_header),
            detect=self._scoped_detector(p) if active.needs_pii else None,
        )

    def _scoped_detector(self, p: Principal | None) -> Callable[[str], list[Any]] | None:
        """The PII engine's `detect` in the caller's cache scope (`bastion.textcache`)."""
        detect = self.detector()
        if detect is None or p is None:
            return detect
        return partial(self._engine.detect, scope=scope_of(p.team_id, p.team, p.key_id))

    def enforce(self, ctx: RequestContext) -> None:
        active: CompiledSet = self.runtime.active
        if not len(active):
            return
        facts = self.facts(ctx, active)
        facts.scorer = self.scorer
        if ctx.guard is not None:  # scores the guard already computed for this request
            facts.scores.update(ctx.guard.scores())
        decision = active.evaluate(facts)
        ctx.policy = PolicyRun(active, decision, facts)
        if facts.spans:
            ctx.pii_spans = facts.spans
        record = decision.record()
        ctx.annotations["policy"] = record
        ctx.annotations["policy_version"] = active.version
        if decision.deny is not None:
            raise PolicyDenied(deny_message(decision.deny.id, decision.deny.message), rule=decision.deny.id)
        if decision.hits:
            self._apply(ctx, decision, record)

    def _apply(self, ctx: RequestContext, d: Decision, record: dict[str, Any]) -> None:
        from bastion.routing.constraints import constrain

        rules = ",".join(h.id for h in d.hits if h.action != "flag")
        if d.route_to and d.route_to != ctx.model:
            record["routed_from"] = ctx.model
            ctx.model = d.route_to
        if d.regions is not None:
            where = ", ".join(sorted(d.regions))
            constrain(ctx, regions=d.regions, reason=f"{rules}: region in {where}")
        if d.route_provider:
            others = [p for p in self.providers if p != d.route_provider]
            constrain(ctx, exclude=others, reason=f"{rules}: provider {d.route_provider}")
        if d.redact:
            ctx.pii_overrides = dict(d.redact)
        if d.mask:
            masked = 0
            for seg in ctx.api.request_segments(ctx.body):
                text = new = seg.text
                for regex, replacement in d.mask:
                    new, n = regex.subn(replacement.replace("\\", "\\\\"), new)
                    masked += n
                if new != text:
                    seg.set(new)
            record["masked"] = masked
        changed = transform.apply(
            ctx.body, ctx.api, max_tokens=d.max_tokens, tools=d.tools, system_prompts=d.system_prompts
        )
        if changed:
            record["transformed"] = changed
