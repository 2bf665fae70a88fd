"""One request's check verdicts: what the audit record's `checks` field holds (never the matched text).

    {check, where, score, threshold, action, outcome}
    outcome: passed | flagged | blocked | masked | not_evaluated | sampled_out

`ContentFiltered` is the refusal of a request: 400 `content_filter` (OpenAI shape on OpenAI routes, the
Anthropic error shape on /v1/messages), naming the checks, never the text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bastion.errors import BadRequest

OUTCOMES = ("passed", "flagged", "blocked", "masked", "not_evaluated", "sampled_out")


class ContentFiltered(BadRequest):
    default_code = "content_filter"

    def __init__(self, hits: list[tuple[str, str]]) -> None:
        names = ", ".join(f"{check} ({where})" for check, where in hits)
        super().__init__(f"Blocked by content filter: {names}", code="content_filter")
        self.checks = [check for check, _ in hits]


@dataclass(slots=True)
class Observation:
    """The highest score one check gave texts at one place (or the error that stopped it)."""

    score: float | None = None
    error: str | None = None
    segments: list[Any] = field(default_factory=list)  # request segments at or above the threshold


@dataclass(slots=True)
class GuardRun:
    """Per-request state on `ctx.guard`: request observations, then the recorded verdicts."""

    request: dict[tuple[str, str], Observation] = field(default_factory=dict)
    verdicts: list[dict[str, Any]] = field(default_factory=list)
    actions: dict[str, str] = field(default_factory=dict)  # check -> action after policy overrides
    judge_task: Any = None  # a shadow judge running after the answer

    def scores(self) -> dict[str, float]:
        """`scores.<check>` for policy expressions: each check's highest request-side score."""
        out: dict[str, float] = {}
        for (check, _), obs in self.request.items():
            if obs.score is not None:
                out[check] = max(out.get(check, 0.0), obs.score)
        return out

    def record(  # noqa: PLR0917 (the record's six fields, in its order)
        self, check: str, where: str, score: float | None, threshold: float | None, action: str, outcome: str
    ) -> dict[str, Any]:
        verdict = {
            "check": check,
            "where": where,
            "score": None if score is None else round(score, 4),
            "threshold": threshold,
            "action": action,
            "outcome": outcome,
        }
        self.verdicts.append(verdict)
        return verdict
