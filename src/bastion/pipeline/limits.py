"""Stage 4 (after policy): admission — rate limits, concurrency and budget reservations
(`bastion.limits.limiter`). Its `seal` (before audit's: stage order) costs the request into
`ctx.annotations["cost"]`; its `finish` settles the admission with the actual usage."""

from __future__ import annotations

from bastion.context import RequestContext
from bastion.cost.accounting import request_cost
from bastion.cost.prices import Price
from bastion.limits.limiter import Limiter


class LimitsStage:
    name = "limits"

    def __init__(self, limiter: Limiter, record_cost: bool = True) -> None:
        self.limiter = limiter
        # False: nothing reads the cost record (no audit log, no response cache), so it is only computed
        # for requests that hold an admission to settle
        self.record_cost = record_cost
        self._prices: dict[tuple[str, str], Price | None] = {}

    async def run(self, ctx: RequestContext) -> None:
        ticket = await self.limiter.admit(ctx)
        ticket.count_text = self._costed(ctx)

    def _costed(self, ctx: RequestContext) -> bool:
        """Whether this request gets a cost record: something records it, or it holds an admission."""
        return self.record_cost or (ctx.admission is not None and ctx.admission.taken)

    def _price(self, ctx: RequestContext) -> Price | None:
        target = ctx.target
        if target is None:
            return None
        label = (target.label, target.entry.name)
        if label not in self._prices:
            self._prices[label] = self.limiter.prices.for_target(target.entry, target.provider)
        return self._prices[label]

    def seal(self, ctx: RequestContext) -> None:
        """The answer is complete: cost it now, so the audit record (sealed next) carries the cost."""
        if not self._costed(ctx):
            return
        price = self._price(ctx)
        cost = request_cost(ctx, price, ctx.admission, self.limiter.config.chars_per_token)
        record = cost.as_dict()
        if ctx.target is not None:
            record["provider"] = ctx.target.provider.name
            record["provider_model"] = ctx.target.entry.model
            record["price"] = price.as_dict() if price is not None else None
        if ctx.annotations.get("cache_hit"):
            record["saved_usd"] = ctx.annotations.get("cache_saved_usd")
        ctx.annotations["cost"] = record

    async def finish(self, ctx: RequestContext) -> None:
        """Cost the request if `seal` did not (client gone, failure), then settle its admission."""
        if not self._costed(ctx):
            return
        if "cost" not in ctx.annotations:
            self.seal(ctx)
        cost = ctx.annotations["cost"]
        tokens_in, tokens_out = cost["input_tokens"], cost["output_tokens"]
        tokens = tokens_in + tokens_out if tokens_in is not None and tokens_out is not None else None
        await self.limiter.settle(ctx, tokens, cost["usd"])
