"""priority: ordered failover. Targets are already in (priority, config order) - lower priority first."""

from __future__ import annotations

from collections.abc import Sequence

from bastion.routing.features import RequestFeatures
from bastion.routing.state import TargetState
from bastion.routing.strategies.base import Ranking, StrategyEnv


class Priority:
    name = "priority"

    def __init__(self, env: StrategyEnv) -> None:
        pass

    def rank(self, states: Sequence[TargetState], req: RequestFeatures) -> Ranking:
        return Ranking(list(states), reason="priority order")
