"""Stage 3: policy (model access, data-handling rules, limits, budgets). Today: model access only
(`check_model_access`); the policy issue adds data-handling rules, limits and budgets beside it, reading
the request through the inbound API's text segments (`bastion.apis`) and recording decisions in
`ctx.annotations["policy"]`."""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import TYPE_CHECKING

from bastion.context import Principal, RequestContext
from bastion.errors import Forbidden

if TYPE_CHECKING:
    from bastion.policy.enforce import RequestEnforcer


# --- model access (issue 3: identity) --------------------------------------------------------------
def model_allowed(principal: Principal | None, model: str) -> bool:
    """True when `model` matches the key's glob patterns and its team's (None at a level: no limit)."""
    if principal is None:
        return False
    for patterns in (principal.models, principal.team_models):
        if patterns is not None and not any(fnmatchcase(model, p) for p in patterns):
            return False
    return True


def check_model_access(principal: Principal | None, model: str) -> None:
    """403 naming the model when the key (or its team) may not use it."""
    if model_allowed(principal, model):
        return
    holder = "this API key"
    if (
        principal is not None
        and principal.team_models is not None
        and any(fnmatchcase(model, p) for p in principal.models or ("*",))
    ):
        holder = f"team '{principal.team}'"
    raise Forbidden(
        f"The model '{model}' is not allowed for {holder}", param="model", code="model_not_allowed"
    )


def region_allowed(principal: Principal | None, region: str | None) -> bool:
    """True when a deployment in `region` may serve this caller (None region: only for unrestricted keys)."""
    if principal is None or principal.regions is None:
        return True
    return region is not None and region in principal.regions


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
