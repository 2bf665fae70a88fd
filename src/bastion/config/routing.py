"""The `routing:` section: how a model group picks its target and survives a failing provider.

Top-level keys are the defaults of every group; `groups.<model name>` overrides them for one group (nested
sections merge key by key) and may add `fallbacks`, an ordered list of other model names whose entries are
tried after the group's own. See docs/routing.md.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

StrategyName = Literal["priority", "weighted", "least-latency", "least-cost", "least-busy", "adaptive"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Backoff(_Strict):
    """Seconds. Retry n waits a random time in [0, min(max, initial * multiplier**(n-1))] ("full" jitter)."""

    initial: float = Field(0.1, gt=0)
    multiplier: float = Field(2.0, ge=1)
    max: float = Field(2.0, gt=0)
    jitter: Literal["full", "equal", "none"] = "full"
    max_retry_after: float = Field(
        5.0, ge=0, description="longest provider Retry-After the gateway waits out; longer: fail over or pass"
    )


class BreakerSettings(_Strict):
    enabled: bool = True
    failures: int = Field(5, ge=1, description="consecutive failures that open the breaker")
    open_seconds: float = Field(30.0, gt=0, description="time open before a half-open probe")
    half_open_probes: int = Field(1, ge=1, description="concurrent probes while half-open")


class RetryBudget(_Strict):
    """Attempts beyond a request's first draw from a budget of `ratio` per request seen in the last `window`
    seconds plus `min_per_second`, so a failing provider cannot multiply the traffic it receives."""

    ratio: float = Field(0.2, ge=0)
    min_per_second: float = Field(5.0, ge=0)
    window: float = Field(10.0, gt=0)


class Objective(_Strict):
    """What the adaptive strategy optimises: a failure scores 0; a success scores 1 minus the weighted
    latency and cost penalties (each in [0, 1), relative to the group's running average)."""

    latency: float = Field(1.0, ge=0)
    cost: float = Field(1.0, ge=0)
    latency_metric: Literal["ttfb", "total"] = "ttfb"


Feature = Literal["api", "prompt_size", "tools", "stream"]


def _default_features() -> list[Feature]:
    return ["api", "prompt_size", "tools"]


class AdaptiveSettings(_Strict):
    objective: Objective = Field(default_factory=Objective)
    features: list[Feature] = Field(default_factory=_default_features)
    max_observations: float = Field(
        300.0, gt=1, description="evidence kept per arm; older evidence fades so the policy follows changes"
    )
    store: Literal["auto", "database", "redis", "none"] = Field(
        "auto", description="where the learned state persists (auto: redis when redis_url is set)"
    )
    flush_seconds: float = Field(5.0, gt=0)


class GroupSettings(_Strict):
    """The effective settings of one group (the defaults merged with its `groups` entry)."""

    strategy: StrategyName = "priority"
    shadow: StrategyName | None = Field(None, description="also rank with this strategy, record only")
    retries: int = Field(2, ge=0, le=10, description="attempts after every candidate had one")
    backoff: Backoff = Field(default_factory=Backoff)
    breaker: BreakerSettings = Field(default_factory=BreakerSettings)
    adaptive: AdaptiveSettings = Field(default_factory=AdaptiveSettings)


class GroupOverride(_Strict):
    strategy: StrategyName | None = None
    shadow: StrategyName | None = None
    retries: int | None = Field(None, ge=0, le=10)
    backoff: Backoff | None = None
    breaker: BreakerSettings | None = None
    adaptive: AdaptiveSettings | None = None
    fallbacks: list[str] = Field(default_factory=list, description="model names tried after this group")


class RoutingConfig(GroupSettings):
    retry_budget: RetryBudget = Field(default_factory=RetryBudget)
    groups: dict[str, GroupOverride] = Field(default_factory=dict)

    def for_group(self, name: str) -> GroupSettings:
        base = GroupSettings.model_validate(self.model_dump(include=set(GroupSettings.model_fields)))
        override = self.groups.get(name)
        if override is None:
            return base
        changes = override.model_dump(exclude_unset=True, exclude={"fallbacks"})
        return GroupSettings.model_validate(_merge(base.model_dump(), changes))

    def check_groups(self, models: set[str]) -> None:
        """Every fallback names a model; a group without models entries of its own has fallbacks."""
        for name, group in self.groups.items():
            for fb in group.fallbacks:
                if fb not in models:
                    raise ValueError(f"routing.groups.{name}.fallbacks: unknown model {fb!r}")
            if name not in models and not group.fallbacks:
                raise ValueError(
                    f"routing.groups.{name}: no models entry has this name and it has no fallbacks"
                )

    def fallbacks(self, name: str) -> list[str]:
        override = self.groups.get(name)
        return list(override.fallbacks) if override else []


def _merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        elif value is not None:
            out[key] = value
    return out
