"""What a caller's key may reach: models (glob patterns of the key and of its team) and regions. Read by
the policy stage (`check_model_access`), routing constraints and the model list."""

from __future__ import annotations

from collections.abc import Mapping
from fnmatch import fnmatchcase

from bastion.context import Principal
from bastion.errors import Forbidden


def presented_key(headers: Mapping[str, str]) -> str | None:
    """The key a request presents: `Authorization: Bearer`, `x-api-key` (`api-key`) or `x-goog-api-key`."""
    auth = headers.get("Authorization")
    if auth:
        scheme, _, token = auth.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return token.strip()
    return headers.get("x-api-key") or headers.get("api-key") or headers.get("x-goog-api-key") or None


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
