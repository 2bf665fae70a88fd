"""weighted: the first target is drawn with probability proportional to `weight`; the rest follow in a
weighted order (sampling without replacement). Weight 0: only as a fallback."""

from __future__ import annotations

import random
from collections.abc import Sequence

from bastion.routing.features import RequestFeatures
from bastion.routing.state import TargetState
from bastion.routing.strategies.base import Ranking, StrategyEnv


class Weighted:
    name = "weighted"

    def __init__(self, env: StrategyEnv) -> None:
        self.rng: random.Random = env.rng

    def rank(self, states: Sequence[TargetState], req: RequestFeatures) -> Ranking:
        total = sum(s.target.entry.weight for s in states)
        keys = {}
        for s in states:
            w = s.target.entry.weight
            keys[s.label] = self.rng.random() ** (1.0 / w) if w > 0 else -1.0  # Efraimidis-Spirakis
        order = sorted(states, key=lambda s: -keys[s.label])
        shares = {s.label: (s.target.entry.weight / total if total else 0.0) for s in states}
        return Ranking(order, shares, shares, "weighted random (scores: traffic shares)")
