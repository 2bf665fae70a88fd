"""adaptive: contextual Thompson sampling (see `bastion.routing.bandit`). For each request it draws one
sample from every target's posterior in the request's context (inbound API, prompt size bucket, tools,
stream - as configured) and ranks by the draws; it records the posterior means as scores, the estimated
probability of each target being picked (propensities) and the context."""

from __future__ import annotations

from collections.abc import Sequence

from bastion.routing.bandit import Learner
from bastion.routing.features import RequestFeatures
from bastion.routing.state import TargetState
from bastion.routing.strategies.base import Ranking, StrategyEnv


class Adaptive:
    name = "adaptive"

    def __init__(self, env: StrategyEnv) -> None:
        assert isinstance(env.learner, Learner)
        self.learner = env.learner
        self.group = env.group
        self.features = tuple(env.settings.adaptive.features)

    def context(self, req: RequestFeatures) -> str:
        return req.context(self.features)

    def rank(self, states: Sequence[TargetState], req: RequestFeatures) -> Ranking:
        context = self.context(req)
        labels = [s.label for s in states]
        draws = self.learner.sample(self.group, context, labels)
        order = sorted(states, key=lambda s: (-draws[s.label], s.order))
        return Ranking(
            order,
            self.learner.means(self.group, context, labels),
            self.learner.propensities(self.group, context, labels),
            f"thompson sampling in context {context} (scores: posterior mean reward)",
        )
