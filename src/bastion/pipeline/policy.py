"""Stage 3: policy. Model access of the caller's key (`bastion.identity.access`), then the policy
engine's request rules (`bastion.policy.enforce`), which read the request through the inbound API's text
segments (`bastion.apis`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bastion.context import RequestContext
from bastion.identity.access import check_model_access

if TYPE_CHECKING:
    from bastion.policy.enforce import RequestEnforcer


class PolicyStage:
    """Model access first (identity), then the policy engine's request rules (`bastion.policy.enforce`:
    deny, region, route, redact overrides, transforms, flag, shadow; decision in annotations["policy"])."""

    name = "policy"

    def __init__(self, rules: RequestEnforcer | None = None) -> None:
        self.rules = rules

    async def run(self, ctx: RequestContext) -> None:
        check_model_access(ctx.principal, ctx.model)
        if self.rules is not None:
            self.rules.enforce(ctx)
