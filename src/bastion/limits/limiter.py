"""Admission and settlement of one request: which limits and budgets apply (the key's, its team's, the
model's), the reservation, the backend call, and what the client and the audit record are told.

A budget reservation is the most the request can cost: the prompt estimate at the input price plus
`max_tokens` (or `limits.default_max_tokens`) at the output price, for the dearest deployment of the
model. Settlement replaces it by the actual cost, or by the reservation itself when the cost is unknown
(never by $0), and releases it when no provider answered.
"""

from __future__ import annotations

import logging
import math
import os
import time
from dataclasses import dataclass
from typing import Any

from bastion.config.limits import Budget, LimitsConfig, RateLimits
from bastion.context import RequestContext
from bastion.cost.meter import estimate_input_tokens, max_output_tokens
from bastion.cost.prices import Price, PriceTable
from bastion.errors import BudgetExceeded, Forbidden, RateLimited, Unavailable
from bastion.limits.backend import Backend, BackendError
from bastion.limits.headers import rate_headers, retry_headers
from bastion.limits.plan import NANO, Decision, Hold, Plan, Rate, Slot, period_suffix
from bastion.routing.router import Router as ModelTable

log = logging.getLogger("bastion.limits")
_PERIOD_WORD = {"day": "daily", "week": "weekly", "month": "monthly", "total": "total"}


@dataclass(slots=True)
class Ticket:
    """What admission decided, kept on `ctx.admission` until the request is settled."""

    plan: Plan
    input_estimate: int | None  # prompt tokens estimated at admission (None: nothing was checked)
    output_limit: int
    taken: bool = False  # the backend holds this plan's slots and reservations
    streamed_chars: int = 0  # output text counted by the stream relay (for streams without usage)
    count_text: bool = True  # False: nothing will cost this request, the relay need not count its text
    settled: bool = False
    budgets: list[Any] | None = None  # the budgets' state at admission (`BudgetView`s), for the metrics


@dataclass(slots=True)
class Counters:
    admitted: int = 0
    rate_limited: int = 0
    budget_refused: int = 0
    backend_errors: int = 0  # Redis unreachable at admission or settlement
    unchecked: int = 0  # admitted without checks because the backend was down (fail open)


def _usd(nano: int) -> str:
    return f"${nano / NANO:,.2f}"


def nano(usd: float) -> int:
    return math.ceil(usd * NANO - 1e-6)


class Limiter:
    def __init__(
        self, config: LimitsConfig, backend: Backend, prices: PriceTable, models: ModelTable
    ) -> None:
        self.config = config
        self.backend = backend
        self.prices = prices
        self.models = models
        self.counters = Counters()
        self._reserve_price: dict[tuple[str, str], Price | None] = {}
        self._last_warning = 0.0

    # --- planning --------------------------------------------------------------------------------
    def models_changed(self) -> None:
        """The model table changed (runtime config): prices are looked up again."""
        self._reserve_price = {}

    def reserve_price(self, operation: str, model: str) -> Price | None:
        """The dearest known price among the model's deployments (None: no deployment has a price)."""
        key = (operation, model)
        if key not in self._reserve_price:
            known = [
                p
                for t in self.models.targets(operation, model)
                if (p := self.prices.for_target(t.entry, t.provider)) is not None
            ]
            self._reserve_price[key] = (
                Price(
                    max(max(p.input, p.write) for p in known),
                    max(p.output for p in known),
                    source="reservation",
                )
                if known
                else None
            )
        return self._reserve_price[key]

    def _rates(self, plan: Plan, scope: str, who: str, limits: RateLimits | None, tokens: int) -> None:
        if limits is None:
            return
        if limits.rpm is not None:
            plan.rates.append(Rate(f"{scope}:rpm", limits.rpm, 1, f"{who} requests per minute", "requests"))
        if limits.tpm is not None:
            plan.rates.append(Rate(f"{scope}:tpm", limits.tpm, tokens, f"{who} tokens per minute", "tokens"))
        if limits.concurrency is not None:
            plan.slots.append(Slot(f"{scope}:conc", limits.concurrency, f"{who} concurrent requests"))

    def _hold(
        self, plan: Plan, scope: str, who: str, budget: Budget | None, *, model: str, amount: int | None
    ) -> None:
        if budget is None:
            return
        label = f"{who} {_PERIOD_WORD[budget.period]} budget of ${budget.usd:,.2f}"
        if amount is None:
            raise Forbidden(
                f"The model '{model}' has no price, so the {label} cannot be enforced; set "
                "input_cost_per_mtok and output_cost_per_mtok on its models entry",
                param="model",
                code="price_unknown",
            )
        suffix, expire = period_suffix(budget.period)
        soft = nano(budget.soft_usd) if budget.soft_usd is not None else None
        plan.holds.append(Hold(f"{scope}:usd:{suffix}", nano(budget.usd), soft, amount, expire, label))

    def _limited(self, ctx: RequestContext) -> bool:
        p = ctx.principal
        if p is None or not self.config.enabled:
            return False
        return (
            p.limits is not None
            or p.budget is not None
            or p.team_limits is not None
            or p.team_budget is not None
            or ctx.model in self.config.models
        )

    def plan(self, ctx: RequestContext) -> Ticket:
        p = ctx.principal
        if p is None or not self._limited(ctx):
            return Ticket(Plan(ctx.request_id), None, 0)  # nothing to check: no estimate needed on this path
        plan = Plan(f"{ctx.request_id}:{os.urandom(6).hex()}")  # unique even if a client reuses ids
        est_in = estimate_input_tokens(ctx.body, ctx.api, self.config.chars_per_token)
        out_max = max_output_tokens(ctx.body, ctx.api, self.config.default_max_tokens)
        tokens = est_in + max_output_tokens(ctx.body, ctx.api, 0)  # what it asks for; settled later
        ticket = Ticket(plan, est_in, out_max)
        price = self.reserve_price(ctx.api.operation, ctx.model)
        amount = nano((est_in * price.input + out_max * price.output) / 1e6) if price is not None else None
        key_who = f"key '{p.name}'"
        team_who = f"team '{p.team}'"
        self._rates(plan, f"key:{p.key_id}", key_who, p.limits, tokens)
        if p.team_id is not None:
            self._rates(plan, f"team:{p.team_id}", team_who, p.team_limits, tokens)
        self._rates(
            plan, f"model:{ctx.model}", f"model '{ctx.model}'", self.config.models.get(ctx.model), tokens
        )
        self._hold(plan, f"key:{p.key_id}", key_who, p.budget, model=ctx.model, amount=amount)
        if p.team_id is not None:
            self._hold(plan, f"team:{p.team_id}", team_who, p.team_budget, model=ctx.model, amount=amount)
        return ticket

    # --- admission -------------------------------------------------------------------------------
    async def admit(self, ctx: RequestContext) -> Ticket:
        ticket = self.plan(ctx)
        ctx.admission = ticket
        plan = ticket.plan
        if plan.empty:
            return ticket
        note: dict[str, Any] = {"backend": self.backend.name, "estimated_tokens": ticket.input_estimate}
        if plan.holds:
            note["reserved_usd"] = plan.holds[0].amount / NANO
        ctx.annotations["limits"] = note
        try:
            decision = await self.backend.admit(plan)
        except BackendError as exc:
            self._degraded(plan, note, str(exc))
            return ticket
        if self.config.headers:
            ctx.response_headers.update(rate_headers(plan, decision))
        ticket.budgets = decision.budgets
        self._soft(plan, decision, note)
        if not decision.allowed:
            self._refuse(ctx, decision, note)
        ticket.taken = True
        self.counters.admitted += 1
        return ticket

    def _degraded(self, plan: Plan, note: dict[str, Any], message: str) -> None:
        self.counters.backend_errors += 1
        note["degraded"] = message
        closed = [
            kind
            for kind, present in (("budgets", plan.holds), ("rate_limits", plan.rates or plan.slots))
            if present and getattr(self.config.on_redis_error, kind) == "closed"
        ]
        if closed:
            note["denied"] = f"limits store unreachable ({' and '.join(closed)} fail closed)"
            raise Unavailable(
                f"The limits store is unreachable and {' and '.join(closed)} are configured to fail "
                "closed; try again shortly",
                code="limits_unavailable",
                headers={"retry-after": "1"},
            )
        self.counters.unchecked += 1
        now = time.monotonic()
        if now - self._last_warning >= 1.0:  # at most one line a second during an outage
            self._last_warning = now
            log.warning("limits store unreachable, admitting unchecked (fail open): %s", message)

    def _soft(self, plan: Plan, decision: Decision, note: dict[str, Any]) -> None:
        crossed = [
            h.label
            for h, v in zip(plan.holds, decision.budgets, strict=False)
            if h.soft is not None and v.spent + v.reserved + h.amount > h.soft
        ]
        if crossed:
            note["soft_budget_exceeded"] = crossed

    def _refuse(self, ctx: RequestContext, decision: Decision, note: dict[str, Any]) -> None:
        denied = decision.denied
        assert denied is not None
        note["denied"] = denied.label
        if isinstance(denied, Hold):
            self.counters.budget_refused += 1
            ticket = ctx.admission
            assert ticket is not None  # refused while admitting: the ticket is the one being admitted
            view = decision.budgets[ticket.plan.holds.index(denied)]
            raise BudgetExceeded(
                f"The {denied.label} is exhausted: {_usd(view.spent)} spent and {_usd(view.reserved)} "
                f"reserved by requests in flight; this request may cost up to {_usd(denied.amount)}",
                code="budget_exceeded",
            )
        self.counters.rate_limited += 1
        headers = {**ctx.response_headers, **retry_headers(decision.retry_after_ms)}
        if isinstance(denied, Rate) and decision.retry_after_ms is None:
            raise RateLimited(
                f"This request needs {denied.cost} {denied.unit}, more than the {denied.label} limit of "
                f"{denied.limit} allows at all",
                code="request_too_large",
                headers=headers,
            )
        raise RateLimited(
            f"Rate limit reached: {denied.label} (limit {denied.limit}); retry after "
            f"{headers.get('retry-after', '1')}s",
            headers=headers,
        )

    # --- settlement ------------------------------------------------------------------------------
    async def settle(self, ctx: RequestContext, tokens: int | None, usd: float | None) -> None:
        """`tokens`/`usd`: what the call really used (None: unknown; the estimate/reservation stands)."""
        ticket: Ticket | None = ctx.admission
        if ticket is None or not ticket.taken or ticket.settled:
            return
        ticket.settled = True
        plan = ticket.plan
        called = ctx.target is not None
        deltas = [(tokens - r.cost) if (r.unit == "tokens" and tokens is not None) else 0 for r in plan.rates]
        if not called:
            deltas = [-r.cost if r.unit == "tokens" else 0 for r in plan.rates]
        spent = [(nano(usd) if usd is not None else h.amount) if called else 0 for h in plan.holds]
        try:
            await self.backend.settle(plan, deltas, spent)
        except BackendError as exc:
            self.counters.backend_errors += 1
            ctx.annotations.setdefault("limits", {})["settle_failed"] = str(exc)
            log.warning("could not settle request %s: %s", ctx.request_id, exc)
