"""The strategy interface: rank the admissible targets of one tier for one request."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bastion.config.routing import GroupSettings
from bastion.routing.features import RequestFeatures
from bastion.routing.state import TargetState


@dataclass(slots=True)
class Ranking:
    order: list[TargetState]
    scores: dict[str, float] | None = None  # label -> the strategy's score (lower or higher: see `reason`)
    propensities: dict[str, float] | None = None  # label -> probability it was ranked first
    reason: str = ""


class Strategy(Protocol):
    name: str

    def rank(self, states: Sequence[TargetState], req: RequestFeatures) -> Ranking: ...


@dataclass(slots=True, frozen=True)
class StrategyEnv:
    """What a strategy may use besides the targets: the group, its settings, randomness, the learner."""

    group: str
    settings: GroupSettings
    rng: random.Random
    learner: object  # bastion.routing.bandit.Learner (typed loosely to keep this module dependency-free)
