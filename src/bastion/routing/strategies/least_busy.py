"""least-busy: the fewest requests in flight (in this worker) first; ties broken at random."""

from __future__ import annotations

import random
from collections.abc import Sequence

from bastion.routing.features import RequestFeatures
from bastion.routing.state import TargetState
from bastion.routing.strategies.base import Ranking, StrategyEnv


class LeastBusy:
    name = "least-busy"

    def __init__(self, env: StrategyEnv) -> None:
        self.rng: random.Random = env.rng

    def rank(self, states: Sequence[TargetState], req: RequestFeatures) -> Ranking:
        scores = {s.label: float(s.stats.in_flight) for s in states}
        order = sorted(states, key=lambda s: (scores[s.label], self.rng.random()))
        return Ranking(order, scores, reason="fewest requests in flight (scores)")
