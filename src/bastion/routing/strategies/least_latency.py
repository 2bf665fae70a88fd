"""least-latency: the lowest EWMA latency first - time to first byte for streams, total latency otherwise
- divided by the target's success rate, so a fast target that often fails ranks behind. Targets without a
sample yet rank first (they need one)."""

from __future__ import annotations

from collections.abc import Sequence

from bastion.routing.features import RequestFeatures
from bastion.routing.state import TargetState
from bastion.routing.strategies.base import Ranking, StrategyEnv


class LeastLatency:
    name = "least-latency"

    def __init__(self, env: StrategyEnv) -> None:
        pass

    def rank(self, states: Sequence[TargetState], req: RequestFeatures) -> Ranking:
        scores = {}
        for s in states:
            ms = s.stats.latency(req.stream)
            scores[s.label] = 0.0 if ms is None else ms / max(0.05, 1.0 - s.stats.error_rate)
        order = sorted(states, key=lambda s: (scores[s.label], s.order))
        metric = "ttfb" if req.stream else "total"
        return Ranking(order, scores, reason=f"lowest EWMA {metric} latency in ms (scores)")
