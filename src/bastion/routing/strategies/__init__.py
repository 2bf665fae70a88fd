"""Routing strategies, one per module, registered in `STRATEGIES` by the name used in config.

How to add one: a new module with a class that has `name`, `__init__(env: StrategyEnv)` and
`rank(states, req) -> Ranking` (states arrive admissible and in priority order; return all of them,
best first); one line in `STRATEGIES`; its name in `StrategyName` (config/routing.py); a test in
tests/routing/test_strategies.py.
"""

from __future__ import annotations

from collections.abc import Callable

from bastion.routing.strategies.adaptive import Adaptive
from bastion.routing.strategies.base import Ranking, Strategy, StrategyEnv
from bastion.routing.strategies.least_busy import LeastBusy
from bastion.routing.strategies.least_cost import LeastCost
from bastion.routing.strategies.least_latency import LeastLatency
from bastion.routing.strategies.priority import Priority
from bastion.routing.strategies.weighted import Weighted

STRATEGIES: dict[str, Callable[[StrategyEnv], Strategy]] = {
    "priority": Priority,
    "weighted": Weighted,
    "least-latency": LeastLatency,
    "least-cost": LeastCost,
    "least-busy": LeastBusy,
    "adaptive": Adaptive,
}

__all__ = ["STRATEGIES", "Adaptive", "Ranking", "Strategy", "StrategyEnv"]
