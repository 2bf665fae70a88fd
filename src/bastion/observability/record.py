"""Turns a finished request into metric updates, once, from what the stages left on its context.

Nothing is recorded while a request runs: `Recorder.observe(ctx)` is called by the observer stage's
`finish` (the last in the pipeline, after the audit and cost stages) and reads `ctx` only. A request
costs a few dictionary updates (`bastion.observability.metrics.Metrics`); bench/observability measures it.
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
# the audit record's verdict outcomes (`bastion.guard.verdicts`) as the metric's outcome label (OUTCOMES)
_OUTCOME = {"passed": "pass", "flagged": "flag", "blocked": "block", "masked": "redact",
            "not_evaluated": "error", "sampled_out": "skipped"}  # fmt: skip


class Recorder:
    def __init__(self, metrics: Metrics, *, max_keys: int, max_teams: int, max_models: int,
                 known_models: Iterable[str]) -> None:  # fmt: skip
        self.metrics = metrics
        self.keys = Folder(max_keys)
        self.teams = Folder(max_teams)
        self.models = Folder(max_models)
        self.known_models = frozenset(known_models)
        c, h = metrics.counters, metrics.histograms
        self.requests = c["bastion_requests"]
        self.tokens = h["gen_ai_client_token_usage"]
        self.duration = h["gen_ai_server_request_duration"]
        self.ttft = h["gen_ai_server_time_to_first_token"]
        self.provider_time = h["gen_ai_client_operation_duration"]
        self.overhead = h["bastion_added_latency_seconds"]
        self.policy = c["bastion_policy_decisions"]
        self.pii = c["bastion_pii_replaced"]
        self.guard = c["bastion_guardrail_verdicts"]
        self.guard_time = h["bastion_guardrail_duration_seconds"]
        self.cache = c["bastion_cache_lookups"]
        self.rate_limited = c["bastion_rate_limit_rejections"]
        self.budget_refused = c["bastion_budget_rejections"]
        self.spend = c["bastion_spend_usd"]
        self.spend_unknown = c["bastion_spend_unknown"]
        self.attempts = c["bastion_upstream_attempts"]
        self.retries = c["bastion_upstream_retries"]
        self.failovers = c["bastion_upstream_failovers"]
        self.commit = h["bastion_audit_commit_seconds"]

    def model_label(self, model: str) -> str:
        if not model:
            return NONE
        return self.models(model) if model in self.known_models else OTHER

    # --- per request ------------------------------------------------------------------------------
    def observe(self, ctx: RequestContext) -> None:
        self.metrics.changes += 1
        ended = ctx.ended_ns or time.perf_counter_ns()
        p = ctx.principal
        team = self.teams(p.team) if p is not None else NONE
        key = self.keys(p.name) if p is not None else NONE
        gen_system = system(ctx)
        model = self.model_label(ctx.model)
        code = status(ctx)
        verdict = decision(ctx)
        op = ctx.api.operation
        _inc(self.requests, (ctx.api.name, str(code), verdict, gen_system, model, team, key), 1.0)
        elapsed = (ended - ctx.started_ns) / 1e9
        error_type = ctx.error.error_class if ctx.error is not None else NONE
        self.duration.observe((gen_system, model, op, error_type), elapsed)
        overhead = max(0, ended - ctx.started_ns - ctx.upstream_ns) / 1e9
        self.overhead.observe((ctx.api.name, "true" if ctx.stream else "false"), overhead)
        if ctx.upstream_ns:
            self.provider_time.observe((gen_system, model, op), ctx.upstream_ns / 1e9)
        if ctx.stream and ctx.first_byte_ns is not None:
            self.ttft.observe((gen_system, model, op), (ctx.first_byte_ns - ctx.started_ns) / 1e9)
        usage = ctx.usage
        if usage is not None:
            if usage.input_tokens is not None:
                self.tokens.observe((gen_system, model, "input", team, key), usage.input_tokens)
            if usage.output_tokens is not None:
                self.tokens.observe((gen_system, model, "output", team, key), usage.output_tokens)
        if ctx.attempts:
            self._attempts(ctx)
        notes = ctx.annotations
        if verdict == "rate_limited":
            _inc(self.rate_limited, (team, key), 1.0)
        elif verdict == "budget_exceeded":
            _inc(self.budget_refused, (team, key), 1.0)
        if "policy" in notes or "policy_stream_denied" in notes:
            self._policy(notes)
        if "pii" in notes or "pii_response" in notes:
            self._pii(notes)
        if VERDICTS in notes:
            self._guardrails(notes[VERDICTS])
        run = ctx.guard  # the built-in content guardrails (`bastion.guard`) keep their verdicts there
        if run is not None and run.verdicts:
            outcomes: list[tuple[str, str, float | None]] = [
                (v["check"], _OUTCOME.get(v["outcome"], v["outcome"]), None) for v in run.verdicts
            ]
            self._guardrails(outcomes)
        cached = ctx.response_headers.get(CACHE_HEADER)  # hit, miss or bypass (`bastion.pipeline.cache`)
        if cached is not None:
            _inc(self.cache, (cached, model), 1.0)
        cost = notes.get("cost")
        if cost is not None and ctx.target is not None and not notes.get("cache_hit"):
            usd = cost.get("usd")
            if usd is None:
                _inc(self.spend_unknown, (team, gen_system, model), 1.0)
            elif usd > 0:
                _inc(self.spend, (team, gen_system, model), usd)
        ticket = ctx.admission
        if ticket is not None and ticket.budgets and p is not None:
            self._budgets(ctx, ticket)

    def _attempts(self, ctx: RequestContext) -> None:
        tried: set[str] = set()
        previous_failed = False
        for attempt in ctx.attempts:
            target = attempt.target
            _inc(self.attempts, (target, attempt.outcome), 1.0)
            if target in tried:
                _inc(self.retries, (target,), 1.0)
            elif previous_failed:
                _inc(self.failovers, (target,), 1.0)
            tried.add(target)
            previous_failed = attempt.outcome != "ok"

    def _policy(self, notes: dict[str, Any]) -> None:
        record = notes.get("policy") or {}
        seen: set[str] = set()
        for hit in record.get("matched", ()):
            seen.add(hit["id"])
            _inc(self.policy, (hit["id"], hit["action"], hit.get("mode") or "enforce"), 1.0)
        for hit in record.get("shadow", ()):
            _inc(self.policy, (hit["id"], hit["action"], "shadow"), 1.0)
        denied = record.get("denied_by")
        if denied and denied not in seen:
            _inc(self.policy, (denied, "deny", "enforce"), 1.0)
        streamed = notes.get("policy_stream_denied")
        if streamed:
            _inc(self.policy, (streamed, "deny", "response"), 1.0)

    def _pii(self, notes: dict[str, Any]) -> None:
        for label, actions in (notes.get("pii") or {}).items():
            for action, count in actions.items():
                _inc(self.pii, (label, action, "request"), count)
        response = notes.get("pii_response")
        if response:
            action = response.get("action", "flag")
            for label, count in response.get("found", {}).items():
                _inc(self.pii, (label, action, "response"), count)

    def _guardrails(self, verdicts: list[tuple[str, str, float | None]]) -> None:
        for check, outcome, seconds in verdicts:
            _inc(self.guard, (check, outcome), 1.0)
            if seconds is not None:
                self.guard_time.observe((check,), seconds)

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
            self.metrics.set("bastion_budget_remaining_usd", (scope, name, period), left)
            self.metrics.set("bastion_budget_limit_usd", (scope, name, period), hold.limit / 1e9)

    # --- sampled (not per request) -----------------------------------------------------------------
    def breaker_state(self, target: str, state: str) -> None:
        self.metrics.set("bastion_breaker_state", (target,), _BREAKER.get(state, 0.0))

    def audit_commit(self, records: int, seconds: float) -> None:
        self.metrics.changes += 1
        self.commit.observe((), seconds)


def _inc(counter: dict[tuple[str, ...], float], labels: tuple[str, ...], amount: float) -> None:
    counter[labels] = counter.get(labels, 0.0) + amount
