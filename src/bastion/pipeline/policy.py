"""Stage 3: policy (model access, data-handling rules, limits, budgets). Pass-through until the policy
issue lands; it will read the request through `bastion.textview` and record decisions in
`ctx.annotations["policy"]`."""

from __future__ import annotations

from bastion.context import RequestContext


class PolicyStage:
    name = "policy"

    async def run(self, ctx: RequestContext) -> None:
        return None
