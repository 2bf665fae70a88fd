"""OpenAI-style rate-limit headers (`x-ratelimit-{limit,remaining,reset}-{requests,tokens}`) for the
tightest limit of each unit, and `Retry-After` for a refusal."""

from __future__ import annotations

import math

from bastion.limits.plan import Decision, Plan


def duration(ms: float) -> str:
    """OpenAI's reset format: "20ms", "1.5s", "6m0s"."""
    if ms < 1000:
        return f"{max(math.ceil(ms), 0)}ms"
    seconds = ms / 1000
    if seconds < 60:
        return f"{seconds:.3g}s"
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)}m{math.ceil(rest)}s"


def rate_headers(plan: Plan, decision: Decision) -> dict[str, str]:
    headers: dict[str, str] = {}
    for unit in ("requests", "tokens"):
        views = [(r, v) for r, v in zip(plan.rates, decision.rates, strict=False) if r.unit == unit]
        if not views:
            continue
        rate, view = min(views, key=lambda rv: (rv[1].remaining, -rv[1].reset_ms))
        headers[f"x-ratelimit-limit-{unit}"] = str(rate.limit)
        headers[f"x-ratelimit-remaining-{unit}"] = str(view.remaining)
        headers[f"x-ratelimit-reset-{unit}"] = duration(view.reset_ms)
    return headers


def retry_headers(retry_after_ms: float | None) -> dict[str, str]:
    if retry_after_ms is None:
        return {}
    return {
        "retry-after": str(max(math.ceil(retry_after_ms / 1000), 1)),
        "retry-after-ms": str(math.ceil(retry_after_ms)),
    }
