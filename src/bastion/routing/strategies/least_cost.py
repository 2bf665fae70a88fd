"""least-cost: the lowest estimated price for this request first: estimated prompt tokens x input price +
expected output (max_tokens, else a default) x output price, from the shipped price table or the models
entry's `input_cost_per_mtok` / `output_cost_per_mtok`. Unknown prices rank last."""

from __future__ import annotations

import math
from collections.abc import Sequence

from bastion.routing.features import RequestFeatures
from bastion.routing.state import TargetState
from bastion.routing.strategies.base import Ranking, StrategyEnv


def estimated_usd(state: TargetState, req: RequestFeatures) -> float:
    price = state.price
    if price is None:
        return math.inf
    return (req.prompt_tokens * price.input + req.output_tokens * price.output) / 1_000_000


class LeastCost:
    name = "least-cost"

    def __init__(self, env: StrategyEnv) -> None:
        pass

    def rank(self, states: Sequence[TargetState], req: RequestFeatures) -> Ranking:
        scores = {s.label: estimated_usd(s, req) for s in states}
        order = sorted(states, key=lambda s: (scores[s.label], s.target.entry.priority, s.order))
        return Ranking(order, scores, reason="lowest estimated USD for this request (scores)")
