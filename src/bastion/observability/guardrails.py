"""The hook a guardrail calls to have its verdict counted (metrics, trace, access line).

    from bastion.observability.guardrails import record_verdict

    record_verdict(ctx, "prompt_injection", "block", seconds=elapsed)

It only appends to the request's annotations (no I/O, no locks): the metrics observer counts every
verdict once, when the request finishes (`bastion_guardrail_verdicts_total{check, outcome}` and
`bastion_guardrail_duration_seconds{check}`), and the trace adds one event per verdict. `check` is the
guardrail's configured name and `outcome` one of OUTCOMES (others are counted as given; keep them few).
"""

from __future__ import annotations

from bastion.context import RequestContext

VERDICTS = "guardrail_verdicts"  # annotation: list of (check, outcome, seconds | None)
OUTCOMES = ("pass", "flag", "block", "redact", "error", "skipped")


def record_verdict(ctx: RequestContext, check: str, outcome: str, seconds: float | None = None) -> None:
    verdicts = ctx.annotations.get(VERDICTS)
    if verdicts is None:
        verdicts = ctx.annotations[VERDICTS] = []
    verdicts.append((check, outcome, seconds))
