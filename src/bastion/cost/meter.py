"""The cost of one call from its token usage, and the estimates admission needs before the call.

`Usage.input_tokens` counts every prompt token (uncached + cache reads + cache writes, as the codecs
report it), so the uncached part is `input - cache_read - cache_write`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from bastion.apis.base import ClientApi
from bastion.cost.prices import Price
from bastion.usage import Usage

PER_MESSAGE_TOKENS = 4  # role and framing tokens every chat format adds per message


@dataclass(frozen=True, slots=True)
class Cost:
    """What the audit record gets. `usd` None: unknown (no usage or no price), never a silent $0."""

    usd: float | None
    usage: Usage | None
    source: str  # "provider" (usage as reported), "estimated" (counted by the gateway), "none"
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        u = self.usage
        return {
            "usd": self.usd,
            "input_tokens": u.input_tokens if u else None,
            "output_tokens": u.output_tokens if u else None,
            "cache_read_tokens": u.cache_read_tokens if u else 0,
            "cache_write_tokens": u.cache_write_tokens if u else 0,
            "source": self.source,
            "reason": self.reason,
        }


def usd(usage: Usage, price: Price) -> float | None:
    """USD for a usage at a price; None when a token count is unknown."""
    if usage.input_tokens is None or usage.output_tokens is None:
        return None
    read, write = usage.cache_read_tokens, usage.cache_write_tokens
    uncached = max(usage.input_tokens - read - write, 0)
    total = (
        uncached * price.input + read * price.read + write * price.write + usage.output_tokens * price.output
    )
    return total / 1_000_000


def cost_of(usage: Usage | None, price: Price | None, source: str = "provider") -> Cost:
    if price is None:
        return Cost(None, usage, source if usage else "none", "no price for this model")
    if usage is None:
        return Cost(None, None, "none", "the provider reported no usage")
    value = usd(usage, price)
    if value is None:
        return Cost(None, usage, source, "incomplete usage")
    return Cost(value, usage, source)


def estimate_input_tokens(body: dict[str, Any], api: ClientApi, chars_per_token: float) -> int:
    """An estimate of the prompt's tokens from its text (no tokenizer: characters / chars_per_token)."""
    chars = 0
    count = 0
    for seg in api.request_segments(body):
        text = seg.text
        chars += len(text)
        count += 1
    return math.ceil(chars / chars_per_token) + PER_MESSAGE_TOKENS * max(count, 1)


def max_output_tokens(body: dict[str, Any], api: ClientApi, default: int) -> int:
    """The most the answer can cost in output tokens: the request's own limit, else `default`."""
    value = api.max_output_tokens(body)
    return default if value is None else value
