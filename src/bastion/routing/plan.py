"""One request's route: the group, the admissible targets best first, why, and what happened to each
attempt. Built by the route stage, consumed by the call stage, settled and explained at finish."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bastion.routing.features import RequestFeatures
from bastion.routing.state import TargetState
from bastion.routing.strategies.base import Ranking

if TYPE_CHECKING:
    from bastion.context import RequestContext
    from bastion.routing.router import Group


class RoutePlan:
    __slots__ = ("active", "active_ns", "context", "events", "features", "group", "order", "rankings",
                 "rejected", "shadow", "ttfb_ms")  # fmt: skip

    def __init__(self, group: Group, order: Sequence[TargetState]) -> None:
        self.group = group
        self.order = order
        self.rankings: list[Ranking] | None = None  # one per tier, for multi-target groups
        self.shadow: dict[str, Any] | None = None
        self.rejected: dict[str, str] | None = None  # label -> why a constraint excluded it
        self.features: RequestFeatures | None = None
        self.context: str | None = None  # the adaptive learner's context key
        self.events: list[str] | None = None  # skips, waits, budget denials, in order
        self.active: TargetState | None = None  # the attempt whose response is being relayed
        self.active_ns = 0
        self.ttfb_ms = 0.0

    def note(self, event: str) -> None:
        if self.events is None:
            self.events = []
        self.events.append(event)

    def explain(self, ctx: RequestContext) -> dict[str, Any]:
        """The audit record's `routing` annotation."""
        out: dict[str, Any] = {
            "group": self.group.name,
            "strategy": self.group.settings.strategy if not self.group.single else "single",
            "candidates": [s.label for s in self.order],
            "target": ctx.target.label if ctx.target is not None else None,
            "region": ctx.target.region if ctx.target is not None else None,
            "attempts": [
                {"target": a.target, "outcome": a.outcome, "status": a.status} for a in ctx.attempts
            ],
            "failovers": max(0, len(ctx.attempts) - 1),
        }
        if self.rankings:
            out["scores"] = _merge(r.scores for r in self.rankings)
            props = _merge(r.propensities for r in self.rankings)
            if props:
                out["propensities"] = props
            out["reason"] = self.rankings[0].reason
        if self.context is not None:
            out["context"] = self.context
        if self.shadow is not None:
            out["shadow"] = self.shadow
        if self.rejected:
            out["rejected"] = self.rejected
        if ctx.route_constraints is not None:
            c = ctx.route_constraints
            out["constraints"] = {
                "regions": sorted(c.regions) if c.regions is not None else None,
                "trusted_only": c.trusted_only,
                "tags": sorted(c.tags),
                "exclude": sorted(c.exclude),
                "reasons": list(c.reasons),
            }
        if self.events:
            out["events"] = self.events
        return out


def _merge(parts: Any) -> dict[str, float]:
    out: dict[str, float] = {}
    for p in parts:
        if p:
            out.update(p)
    return out
