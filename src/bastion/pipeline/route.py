"""Stage 5: choose where the request goes (`bastion.routing`): the model group's targets, filtered by the
constraints (allowed models and regions of the key, policy and PII outcomes in `ctx.route_constraints`),
then ranked by the group's strategy. The call stage tries them in that order (`bastion.routing.resilience`);
`finish` settles breakers, statistics and the learner and writes `ctx.annotations["routing"]`."""

from __future__ import annotations

from bastion.context import RequestContext
from bastion.routing.router import Router

ModelTable = Router  # the model table other components know: names, owners and targets per operation


class RouteStage:
    name = "route"

    def __init__(self, models: ModelTable, explain: bool = True) -> None:
        self.models = models
        self.explain = explain  # False when nothing records the explanation (audit log off)

    async def run(self, ctx: RequestContext) -> None:
        plan = self.models.plan(ctx)
        ctx.route = plan
        if plan.group.single:
            ctx.candidates = list(plan.group.targets)

    def seal(self, ctx: RequestContext) -> None:
        """Right before the answer is delivered (and the audit record sealed): explain the route."""
        if self.explain and ctx.route is not None:
            ctx.annotations["routing"] = ctx.route.explain(ctx)

    async def finish(self, ctx: RequestContext) -> None:
        self.models.settle(ctx, self.explain)
