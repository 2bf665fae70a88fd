"""Turns a finished request into metric updates, once, from what the stages left on its context.

Nothing is recorded while a request runs: `Recorder.observe(ctx)` is called by the observer stage's
`finish` (the last in the pipeline, after the audit and cost stages) and reads `ctx` only. Labelled
children are cached per label tuple, so a request costs a few dictionary look-ups and value updates.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from bastion.context import RequestContext
from bastion.observability.guardrails import VERDICTS
from bastion.observability.labels import NONE, OTHER, Folder, decision, status, system
from bastion.observability.metrics import Metrics
from bastion.pipeline.cache import HEADER as CACHE_HEADER

_BREAKER = {"closed": 0.0, "half-open": 1.0, "open": 2.0}


class _Cached:
    """A metric's labelled children by label tuple (labels() validates and locks on every call)."""

    __slots__ = ("children", "metric")

    def __init__(self, metric: Any) -> None:
        self.metric = metric
        self.children: dict[tuple[str, ...], Any] = {}

    def __call__(self, *values: str) -> Any:
        child = self.children.get(values)
        if child is None:
            child = self.children[values] = self.metric.labels(*values)
        return child


class Recorder:
    def __init__(self, metrics: Metrics, *, max_keys: int, max_teams: int, max_models: int,
                 known_models: Iterable[str]) -> None:  # fmt: skip
        self.metrics = metrics
        self.keys = Folder(max_keys)
        self.teams = Folder(max_teams)
        self.models = Folder(max_models)
        self.known_models = frozenset(known_models)
        m = metrics.by_name
        self.requests = _Cached(m["bastion_requests"])
        self.tokens = _Cached(m["gen_ai_client_token_usage"])
        self.duration = _Cached(m["gen_ai_server_request_duration"])
        self.ttft = _Cached(m["gen_ai_server_time_to_first_token"])
        self.provider_time = _Cached(m["gen_ai_client_operation_duration"])
        self.overhead = _Cached(m["bastion_added_latency_seconds"])
        self.policy = _Cached(m["bastion_policy_decisions"])
        self.pii = _Cached(m["bastion_pii_replaced"])
        self.guard = _Cached(m["bastion_guardrail_verdicts"])
        self.guard_time = _Cached(m["bastion_guardrail_duration_seconds"])
        self.cache = _Cached(m["bastion_cache_lookups"])
        self.rate_limited = _Cached(m["bastion_rate_limit_rejections"])
        self.budget_refused = _Cached(m["bastion_budget_rejections"])
        self.spend = _Cached(m["bastion_spend_usd"])
        self.spend_unknown = _Cached(m["bastion_spend_unknown"])
        self.budget_remaining = _Cached(m["bastion_budget_remaining_usd"])
        self.budget_limit = _Cached(m["bastion_budget_limit_usd"])
        self.attempts = _Cached(m["bastion_upstream_attempts"])
        self.retries = _Cached(m["bastion_upstream_retries"])
        self.failovers = _Cached(m["bastion_upstream_failovers"])
        self.breaker = _Cached(m["bastion_breaker_state"])
        self.commit = m["bastion_audit_commit_seconds"]

    def model_label(self, model: str) -> str:
        if not model:
            return NONE
        return self.models(model) if model in self.known_models else OTHER

    # --- per request ------------------------------------------------------------------------------
    def observe(self, ctx: RequestContext) -> None:
        ended = ctx.ended_ns or time.perf_counter_ns()
        p = ctx.principal
        team = self.teams(p.team) if p is not None else NONE
        key = self.keys(p.name) if p is not None else NONE
        gen_system = system(ctx)
        model = self.model_label(ctx.model)
        code = status(ctx)
        verdict = decision(ctx)
        op = ctx.operation
        self.requests(ctx.api, str(code), verdict, gen_system, model, team, key).inc()
        elapsed = (ended - ctx.started_ns) / 1e9
        error_type = ctx.error.error_class if ctx.error is not None else NONE
        self.duration(gen_system, model, op, error_type).observe(elapsed)
        self.overhead(ctx.api, "true" if ctx.stream else "false").observe(
            max(0, ended - ctx.started_ns - ctx.upstream_ns) / 1e9
        )
        if ctx.upstream_ns:
            self.provider_time(gen_system, model, op).observe(ctx.upstream_ns / 1e9)
        if ctx.stream and ctx.first_byte_ns is not None:
            self.ttft(gen_system, model, op).observe((ctx.first_byte_ns - ctx.started_ns) / 1e9)
        usage = ctx.usage
        if usage is not None:
            if usage.input_tokens is not None:
                self.tokens(gen_system, model, "input", team, key).observe(usage.input_tokens)
            if usage.output_tokens is not None:
                self.tokens(gen_system, model, "output", team, key).observe(usage.output_tokens)
        if ctx.attempts:
            self._attempts(ctx)
        notes = ctx.annotations
        if verdict == "rate_limited":
            self.rate_limited(team, key).inc()
        elif verdict == "budget_exceeded":
            self.budget_refused(team, key).inc()
        if "policy" in notes or "policy_stream_denied" in notes:
            self._policy(notes)
        if "pii" in notes or "pii_response" in notes:
            self._pii(notes)
        if VERDICTS in notes:
            self._guardrails(notes[VERDICTS])
        cached = ctx.response_headers.get(CACHE_HEADER)  # hit, miss or bypass (`bastion.pipeline.cache`)
        if cached is not None:
            self.cache(cached, model).inc()
        cost = notes.get("cost")
        if cost is not None and ctx.target is not None and not notes.get("cache_hit"):
            usd = cost.get("usd")
            if usd is None:
                self.spend_unknown(team, gen_system, model).inc()
            elif usd > 0:
                self.spend(team, gen_system, model).inc(usd)
        ticket = ctx.admission
        if ticket is not None and ticket.budgets and p is not None:
            self._budgets(ctx, ticket)

    def _attempts(self, ctx: RequestContext) -> None:
        tried: set[str] = set()
        previous_failed = False
        for attempt in ctx.attempts:
            target = attempt.target
            self.attempts(target, attempt.outcome).inc()
            if target in tried:
                self.retries(target).inc()
            elif previous_failed:
                self.failovers(target).inc()
            tried.add(target)
            previous_failed = attempt.outcome != "ok"

    def _policy(self, notes: dict[str, Any]) -> None:
        record = notes.get("policy") or {}
        seen: set[str] = set()
        for hit in record.get("matched", ()):
            seen.add(hit["id"])
            self.policy(hit["id"], hit["action"], hit.get("mode") or "enforce").inc()
        for hit in record.get("shadow", ()):
            self.policy(hit["id"], hit["action"], "shadow").inc()
        denied = record.get("denied_by")
        if denied and denied not in seen:
            self.policy(denied, "deny", "enforce").inc()
        streamed = notes.get("policy_stream_denied")
        if streamed:
            self.policy(streamed, "deny", "response").inc()

    def _pii(self, notes: dict[str, Any]) -> None:
        for label, actions in (notes.get("pii") or {}).items():
            for action, count in actions.items():
                self.pii(label, action, "request").inc(count)
        response = notes.get("pii_response")
        if response:
            action = response.get("action", "flag")
            for label, count in response.get("found", {}).items():
                self.pii(label, action, "response").inc(count)

    def _guardrails(self, verdicts: list[tuple[str, str, float | None]]) -> None:
        for check, outcome, seconds in verdicts:
            self.guard(check, outcome).inc()
            if seconds is not None:
                self.guard_time(check).observe(seconds)

    def _budgets(self, ctx: RequestContext, ticket: Any) -> None:
        p = ctx.principal
        assert p is not None
        for hold, view in zip(ticket.plan.holds, ticket.budgets, strict=False):
            scope = hold.key.split(":", 1)[0]
            if scope == "team":
                name, budget = self.teams(p.team), p.team_budget
            else:
                name, budget = self.keys(p.name), p.budget
            period = budget.period if budget is not None else NONE
            left = max(0, hold.limit - view.spent - view.reserved) / 1e9
            self.budget_remaining(scope, name, period).set(left)
            self.budget_limit(scope, name, period).set(hold.limit / 1e9)

    # --- sampled (not per request) -----------------------------------------------------------------
    def breaker_state(self, target: str, state: str) -> None:
        self.breaker(target).set(_BREAKER.get(state, 0.0))

    def audit_commit(self, records: int, seconds: float) -> None:
        self.commit.observe(seconds)
