"""Constraints first: which targets a request may go to at all, decided before any strategy ranks them.

Sources: the caller's allowed models and regions (`Principal`), and whatever earlier stages (policy, PII)
put in `ctx.route_constraints` through `constrain()`: required regions, providers trusted with raw data,
required tags, excluded targets. A target outside the set is never tried - not even as a fallback. When
no target is left the request is refused (403), never sent elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from bastion.context import Principal, RequestContext, Target
from bastion.errors import Forbidden
from bastion.identity.access import model_allowed, region_allowed


@dataclass(slots=True)
class RouteConstraints:
    regions: frozenset[str] | None = None  # the target's region must be one of these (None: any)
    trusted_only: bool = False  # only providers marked `trusted` (e.g. data that may not leave)
    tags: frozenset[str] = frozenset()  # every one of these tags is required on the models entry
    exclude: frozenset[str] = frozenset()  # target labels ("provider/model") or provider names
    reasons: list[str] = field(default_factory=list)  # rule ids or why, for the audit record


def constrain(
    ctx: RequestContext,
    *,
    regions: Iterable[str] | None = None,
    trusted_only: bool = False,
    tags: Iterable[str] = (),
    exclude: Iterable[str] = (),
    reason: str | None = None,
) -> RouteConstraints:
    """Narrow where this request may go (called by policy or PII stages before routing). Repeated calls
    only ever narrow: regions intersect, flags and sets accumulate."""
    current = ctx.route_constraints
    if current is None:
        current = ctx.route_constraints = RouteConstraints()
    if regions is not None:
        wanted = frozenset(regions)
        current.regions = wanted if current.regions is None else current.regions & wanted
    current.trusted_only = current.trusted_only or trusted_only
    current.tags = current.tags | frozenset(tags)
    current.exclude = current.exclude | frozenset(exclude)
    if reason:
        current.reasons.append(reason)
    return current


def excluded_by(target: Target, principal: Principal | None, c: RouteConstraints | None) -> str | None:
    """Why `target` may not serve this request, or None when it may."""
    if principal is not None:
        if not model_allowed(principal, target.entry.name):
            return "model not allowed for the key"
        if not region_allowed(principal, target.region):
            return "region not allowed for the key"
    if c is None:
        return None
    if c.regions is not None and target.region not in c.regions:
        return "region required by policy"
    if c.trusted_only and not target.provider.trusted:
        return "provider not trusted with this data"
    if c.tags and not c.tags.issubset(target.entry.tags):
        return "missing required tags"
    if c.exclude and (target.label in c.exclude or target.provider.name in c.exclude):
        return "excluded by policy"
    return None


def refusal(ctx: RequestContext, rejected: dict[str, str]) -> Forbidden:
    """The 403 for a request no target may serve (`rejected`: label -> reason)."""
    reasons = set(rejected.values())
    if reasons == {"region not allowed for the key"}:
        return Forbidden(
            f"The model '{ctx.model}' has no deployment in a region allowed for this API key",
            param="model",
            code="region_not_allowed",
        )
    c = ctx.route_constraints
    detail = "; ".join(sorted(reasons))
    rules = f" (policy: {', '.join(c.reasons)})" if c is not None and c.reasons else ""
    return Forbidden(
        f"The model '{ctx.model}' has no deployment that satisfies this request's constraints: "
        f"{detail}{rules}",
        param="model",
        code="no_compliant_target",
    )


def fits(target: Target, prompt_tokens: int, max_tokens: int | None) -> bool:
    """Capacity hints (`context_window`, `max_output_tokens`): not constraints - when no target fits,
    the request goes to the admissible ones anyway and the provider decides."""
    entry = target.entry
    if entry.context_window is not None and prompt_tokens > entry.context_window:
        return False
    return not (
        max_tokens is not None
        and entry.max_output_tokens is not None
        and max_tokens > entry.max_output_tokens
    )
