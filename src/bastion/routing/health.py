"""`GET /admin/providers/health`: per target, its breaker, EWMA latencies, error rate and traffic; per
group, its strategy and targets; and the retry budget's refusals. Roles: admin, auditor."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from aiohttp import web
from pydantic import BaseModel, Field

from bastion.context import Principal

if TYPE_CHECKING:
    from bastion.routing.router import Router


class TargetHealth(BaseModel):
    target: str = Field(description="provider/model")
    provider: str
    model: str
    region: str | None
    breaker: str = Field(description="closed, open or half-open")
    retry_in_seconds: float = Field(description="until an open breaker probes, or a Retry-After ends")
    consecutive_failures: int
    opens: int = Field(description="times the breaker opened since start")
    opened_at: float | None = Field(description="epoch seconds of the last opening")
    ttfb_ms: float | None = Field(description="EWMA time to first byte")
    latency_ms: float | None = Field(description="EWMA total latency")
    error_rate: float = Field(description="EWMA of failed attempts (0..1)")
    requests: int
    failures: int
    rate_limited: int
    in_flight: int
    last_error: str | None


class GroupHealth(BaseModel):
    name: str
    operation: str
    strategy: str
    shadow: str | None
    targets: list[str]


class ProvidersHealth(BaseModel):
    targets: list[TargetHealth]
    groups: list[GroupHealth]
    retry_budget_denied: int = Field(description="attempts refused by the retry budget since start")


def health_view(router: Router) -> ProvidersHealth:
    now = time.monotonic()
    targets = []
    for s in router.all_states():
        b, st, t = s.breaker, s.stats, s.target
        targets.append(
            TargetHealth(
                target=s.label,
                provider=t.provider.name,
                model=t.entry.model,
                region=t.region,
                breaker=b.state,
                retry_in_seconds=round(b.retry_in(now), 3),
                consecutive_failures=b.consecutive,
                opens=b.opens,
                opened_at=b.opened_at,
                ttfb_ms=None if st.ttfb_ms is None else round(st.ttfb_ms, 3),
                latency_ms=None if st.total_ms is None else round(st.total_ms, 3),
                error_rate=round(st.error_rate, 4),
                requests=st.requests,
                failures=st.failures,
                rate_limited=st.rate_limited,
                in_flight=st.in_flight,
                last_error=st.last_error,
            )
        )
    groups = [
        GroupHealth(
            name=g.name,
            operation=op,
            strategy=g.settings.strategy,
            shadow=g.settings.shadow,
            targets=[s.label for s in g.states],
        )
        for op, by_name in router.groups.items()
        for g in by_name.values()
    ]
    return ProvidersHealth(targets=targets, groups=groups, retry_budget_denied=router.budget.denied)


async def providers_health(request: web.Request, p: Principal, _body: Any) -> tuple[int, BaseModel]:
    from bastion.services import SERVICES

    return 200, health_view(request.app[SERVICES].models)


# (method, path, handler, permission, summary, response model) for the admin route table
ROUTING_ROUTES = (
    (
        "GET",
        "/admin/providers/health",
        providers_health,
        "config:read",
        "Provider health: breaker state, EWMA latency and error rate per target",
        ProvidersHealth,
    ),
)
