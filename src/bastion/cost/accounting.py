"""The cost of a finished request: from the provider's usage when it reported one, else estimated from
the request and the answer's text (a stream the client cut short, a provider that reports no usage)."""

from __future__ import annotations

import math
from typing import Any

from bastion.context import RequestContext
from bastion.cost.meter import Cost, cost_of, estimate_input_tokens
from bastion.cost.prices import Price
from bastion.usage import Usage


def _answer_chars(ctx: RequestContext, streamed_chars: int) -> int:
    if ctx.api.operation == "embeddings":
        return 0
    if ctx.stream:
        return streamed_chars
    if ctx.response is None:
        return 0
    return sum(len(s.text) for s in ctx.api.response_segments(ctx.response))


def request_cost(ctx: RequestContext, price: Price | None, ticket: Any, chars_per_token: float) -> Cost:
    """`ticket`: the limits stage's `Ticket` (prompt estimate and streamed characters), or None."""
    if ctx.annotations.get("cache_hit"):
        return Cost(0.0, None, "cache", "served from the response cache")
    if ctx.target is None:
        reason = "no provider answered" if ctx.attempts else "not sent to a provider"
        return Cost(0.0, None, "none", reason)
    usage = ctx.usage
    if usage is not None and usage.input_tokens is not None and usage.output_tokens is not None:
        return cost_of(usage, price, "provider")
    if ticket is None:
        return cost_of(usage, price, "provider")
    counted = math.ceil(_answer_chars(ctx, ticket.streamed_chars) / chars_per_token)
    prompt = ticket.input_estimate
    if prompt is None:
        prompt = estimate_input_tokens(ctx.original_body or ctx.body, ctx.api, chars_per_token)
    estimate = Usage(
        input_tokens=usage.input_tokens if usage and usage.input_tokens is not None else prompt,
        output_tokens=usage.output_tokens if usage and usage.output_tokens is not None else counted,
        cache_read_tokens=usage.cache_read_tokens if usage else 0,
        cache_write_tokens=usage.cache_write_tokens if usage else 0,
    )
    return cost_of(estimate, price, "estimated")
