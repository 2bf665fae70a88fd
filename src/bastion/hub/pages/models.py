"""Models and providers (`/hub/models`): every configured deployment (group, provider, region, price), its
live health (breaker, EWMA latency, error rate, traffic) from `GET /admin/providers/health`, and the
adaptive strategy's learned weights (the posterior mean reward per group, request context and target)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from bastion.cost.prices import PriceTable
from bastion.hub.actions import call_admin
from bastion.hub.page import HubRequest, Page, get

_LEARNER = sa.table(
    "routing_learner",
    sa.column("group_name"),
    sa.column("context"),
    sa.column("target"),
    sa.column("data", sa.JSON),
    sa.column("updated_at"),
)


async def show(hub: HubRequest) -> dict[str, Any]:
    state = hub.state
    health = (await call_admin(hub.request, hub.principal, "GET", "/admin/providers/health")).model_dump()
    by_target = {t["target"]: t for t in health["targets"]}
    prices = state.limiter.prices if state.limiter is not None else PriceTable.shipped()
    deployments = []
    for entry in state.config.models:
        provider = state.config.provider(entry.provider)
        price = prices.for_target(entry, provider)
        label = f"{provider.name}/{entry.model}"
        deployments.append({
            "name": entry.name, "provider": provider.name, "type": provider.type, "model": entry.model,
            "region": entry.region or getattr(provider, "region", None),
            "input": price.input if price else None, "output": price.output if price else None,
            "price_source": getattr(price, "source", None) if price else None,
            "health": by_target.get(label),
        })  # fmt: skip
    learned = []
    router = state.models
    for (group, context, target), arm in sorted(router.learner.arms.items()):
        if target == "*":
            continue
        learned.append({"group": group, "context": context, "target": target, "mean": arm.mean, "n": arm.n,
                        "alpha": arm.alpha, "beta": arm.beta})  # fmt: skip
    if not learned:  # another worker may have learned: what the database holds
        async with state.storage.read() as conn:
            rows = await conn.execute(sa.select(_LEARNER).where(_LEARNER.c.target != "*").limit(500))
            for row in rows:
                data = row.data or {}
                alpha, beta = float(data.get("alpha", 1.0)), float(data.get("beta", 1.0))
                learned.append({"group": row.group_name, "context": row.context, "target": row.target,
                                "mean": alpha / (alpha + beta), "n": int(data.get("n", 0)),
                                "alpha": alpha, "beta": beta})  # fmt: skip
    return {
        "deployments": deployments,
        "groups": health["groups"],
        "targets": health["targets"],
        "retry_budget_denied": health["retry_budget_denied"],
        "learned": learned,
        "price_date": prices.date,
    }


PAGE = Page("models", "Models", "/hub/models", "config:read", routes=(get("/hub/models", show),))
