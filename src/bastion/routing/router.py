"""The router: model groups built once from config, the per-target breakers and statistics, the retry
budget and the adaptive learner. `plan()` turns a request into a ranked list of admissible targets;
`attempt_*` and `settle()` feed what happened back into breakers, statistics and the learner.

A group is every `models` entry with the same name (per operation), followed - when `routing.groups.<name>
.fallbacks` lists other model names - by their entries, tier by tier. Constraints filter every tier first;
the strategy then ranks each tier on its own, so fallbacks always come after the group's own targets.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from bastion.config.routing import GroupSettings
from bastion.config.schema import Config
from bastion.context import RequestContext, Target
from bastion.cost.meter import usd
from bastion.cost.prices import PriceTable
from bastion.errors import GatewayError, NotFound
from bastion.routing.bandit import Learner
from bastion.routing.breaker import Breaker
from bastion.routing.constraints import excluded_by, fits, refusal
from bastion.routing.features import RequestFeatures
from bastion.routing.plan import RoutePlan
from bastion.routing.retry import FATAL, RATE_LIMITED, RETRY, RetryBudgetMeter, classify
from bastion.routing.state import TargetState
from bastion.routing.stats import TargetStats
from bastion.routing.strategies import STRATEGIES, Adaptive, Strategy, StrategyEnv
from bastion.routing.strategies.least_cost import estimated_usd
from bastion.storage import Storage

if TYPE_CHECKING:
    from bastion.routing.store import Persistence

OPERATIONS = ("chat", "embeddings", "responses")


class Group:
    __slots__ = ("adaptive", "has_limits", "name", "settings", "shadow", "single", "states", "strategy",
                 "targets", "tiers")  # fmt: skip

    def __init__(
        self, name: str, tiers: list[list[TargetState]], settings: GroupSettings, env: StrategyEnv
    ) -> None:
        self.name = name
        self.settings = settings
        self.tiers = tuple(tuple(t) for t in tiers if t)
        self.states: tuple[TargetState, ...] = tuple(s for tier in self.tiers for s in tier)
        self.targets: tuple[Target, ...] = tuple(s.target for s in self.states)
        self.single = len(self.states) == 1
        self.strategy: Strategy = STRATEGIES[settings.strategy](env)
        self.shadow: Strategy | None = STRATEGIES[settings.shadow](env) if settings.shadow else None
        learners = [s for s in (self.strategy, self.shadow) if isinstance(s, Adaptive)]
        self.adaptive: Adaptive | None = learners[0] if learners else None
        self.has_limits = any(
            s.target.entry.context_window or s.target.entry.max_output_tokens for s in self.states
        )


class Router:
    """Model name -> group, per operation; also answers /v1/models (`names`, `owner`)."""

    config: Config
    budget: RetryBudgetMeter
    names: list[str]
    owner: dict[str, str]
    groups: dict[str, dict[str, Group]]

    def __init__(self, config: Config, prices: PriceTable | None = None, seed: int | None = None) -> None:
        self.rng = random.Random(seed)
        self.learner = Learner(self.rng)
        self.prices = prices or PriceTable.shipped()
        self.persistence: Persistence | None = None
        self.breakers: dict[str, Breaker] = {}
        self.stats: dict[str, TargetStats] = {}
        self.prepare(config)()

    def prepare(self, config: Config) -> Callable[[], None]:
        """Builds the table of `config` aside (groups, targets, breakers: those of unchanged targets are
        kept, with their state); the returned function swaps it in. A request keeps the group it planned
        with, so a swap never disturbs one in flight."""
        routing = config.routing
        budget = self.budget if self._same_budget(config) else RetryBudgetMeter(routing.retry_budget)
        breakers: dict[str, Breaker] = {}
        stats: dict[str, TargetStats] = {}
        own = self._entries(config, breakers, stats)
        names = list(dict.fromkeys(e.name for e in config.models))
        explicit = [n for n in routing.groups if n not in names]  # groups made only of fallbacks
        providers = {p.name: p for p in config.providers}
        owner: dict[str, str] = {e.name: providers[e.provider].type for e in config.models}
        for name in explicit:
            owner[name] = owner[routing.fallbacks(name)[0]]
        groups: dict[str, dict[str, Group]] = {op: {} for op in OPERATIONS}
        for op in OPERATIONS:
            for name in names + explicit:
                tiers = [sorted(own[op].get(name, ()), key=_priority)]
                seen = {s.label for s in tiers[0]}
                for fb in routing.fallbacks(name):  # a deployment already in the group is not tried twice
                    tier = [s for s in sorted(own[op].get(fb, ()), key=_priority) if s.label not in seen]
                    seen.update(s.label for s in tier)
                    tiers.append(tier)
                if any(tiers):
                    settings = routing.for_group(name)
                    env = StrategyEnv(name, settings, self.rng, self.learner)
                    groups[op][name] = Group(name, tiers, settings, env)

        def commit() -> None:
            self.config, self.budget, self.breakers, self.stats = config, budget, breakers, stats
            self.names, self.owner, self.groups = names + explicit, owner, groups

        return commit

    def _same_budget(self, config: Config) -> bool:
        old: Config | None = getattr(self, "config", None)
        return old is not None and old.routing.retry_budget == config.routing.retry_budget

    def _entries(
        self, config: Config, breakers: dict[str, Breaker], stats: dict[str, TargetStats]
    ) -> dict[str, dict[str, list[TargetState]]]:
        """Operation -> model name -> the state of each of its entries, in config order."""
        providers = {p.name: p for p in config.providers}
        own: dict[str, dict[str, list[TargetState]]] = {op: {} for op in OPERATIONS}
        for i, entry in enumerate(config.models):
            provider = providers[entry.provider]
            if entry.timeouts is not None:  # the keys the entry sets override the provider's
                changes = entry.timeouts.model_dump(exclude_unset=True)
                timeouts = provider.timeouts.model_copy(update=changes)
                provider = provider.model_copy(update={"timeouts": timeouts})
            target = Target(entry, provider)
            label = target.label
            if label not in breakers:
                settings = config.routing.for_group(entry.name).breaker
                old = self.breakers.get(label)
                breakers[label] = old if old is not None and old.settings == settings else Breaker(settings)
                stats[label] = self.stats.get(label) or TargetStats()
            price = self.prices.for_target(entry, provider)
            state = TargetState(target, i, breakers[label], stats[label], price)
            for mode in entry.modes:
                own[mode].setdefault(entry.name, []).append(state)
        return own

    # ---- compatibility with the pre-routing model table ----------------------------------------------
    def targets(self, operation: str, model: str) -> Sequence[Target]:
        group = self.groups.get(operation, {}).get(model)
        return group.targets if group is not None else ()

    def all_states(self) -> list[TargetState]:
        seen: dict[str, TargetState] = {}
        for groups in self.groups.values():
            for group in groups.values():
                for s in group.states:
                    seen.setdefault(s.label, s)
        return list(seen.values())

    # ---- planning ------------------------------------------------------------------------------------
    def plan(self, ctx: RequestContext) -> RoutePlan:
        group = self.groups.get(ctx.api.operation, {}).get(ctx.model)
        if group is None:
            raise NotFound(
                f"The model '{ctx.model}' does not exist or is not available for {ctx.api.operation}",
                param="model",
                code="model_not_found",
            )
        if group.single:  # the common case: no ranking, no allocation beyond the plan itself
            state = group.states[0]
            why = excluded_by(state.target, ctx.principal, ctx.route_constraints)
            if why is not None:
                raise _refuse(ctx, group, {state.label: why})
            return RoutePlan(group, group.states)
        return self._plan_group(ctx, group)

    def _plan_group(self, ctx: RequestContext, group: Group) -> RoutePlan:
        principal, constraints = ctx.principal, ctx.route_constraints
        rejected: dict[str, str] = {}
        tiers: list[list[TargetState]] = []
        for tier in group.tiers:
            keep = []
            for s in tier:
                why = excluded_by(s.target, principal, constraints)
                if why is None:
                    keep.append(s)
                else:
                    rejected[s.label] = why
            if keep:
                tiers.append(keep)
        if not tiers:
            raise _refuse(ctx, group, rejected)
        req = RequestFeatures.of(ctx)
        if group.has_limits:
            tiers = _fitting(tiers, req, rejected)
        order: list[TargetState] = []
        plan = RoutePlan(group, order)
        plan.rankings = []
        for fitting in tiers:
            ranking = group.strategy.rank(fitting, req) if len(fitting) > 1 else _alone(fitting)
            plan.rankings.append(ranking)
            order.extend(ranking.order)
        plan.features = req
        plan.rejected = rejected or None
        if group.adaptive is not None:
            plan.context = group.adaptive.context(req)
        if group.shadow is not None:
            plan.shadow = _shadow(group.shadow, tiers, req)
        ctx.candidates = [s.target for s in order]
        return plan

    # ---- outcomes ------------------------------------------------------------------------------------
    def attempt_started(self, state: TargetState) -> int:
        state.stats.in_flight += 1
        return time.perf_counter_ns()

    def attempt_failed(
        self, plan: RoutePlan, state: TargetState, err: GatewayError, hold: float | None
    ) -> str:
        """Book a failed attempt; returns its class (retry / rate-limited / fatal)."""
        stats, breaker = state.stats, state.breaker
        stats.in_flight -= 1
        kind = classify(err)
        if kind == RETRY:
            stats.failed(f"{err.status_code} {err.error_class}")
            breaker.failure()
        elif kind == RATE_LIMITED:
            stats.rate_limited += 1
            stats.failed("429 rate limited")
            breaker.release()
            if hold:
                breaker.hold(hold)
        else:  # the provider answered (e.g. 400): it is up
            stats.ok()
            breaker.success()
        group = plan.group
        if group.adaptive is not None and kind != FATAL and plan.context is not None:
            self.learner.observe(
                group.name, plan.context, state.label, settings=group.settings.adaptive, ok=False
            )
        return kind

    def attempt_answered(self, ctx: RequestContext, plan: RoutePlan, state: TargetState, t0: int) -> None:
        """The target answered (a full body, or the first stream event). A stream stays in flight until
        `settle()`: its verdict depends on how it ends."""
        ms = (time.perf_counter_ns() - t0) / 1e6
        stats = state.stats
        stats.ttfb(ms)
        plan.active = state
        plan.active_ns = t0
        plan.ttfb_ms = ms
        if ctx.events is None:
            stats.total(ms)

    def settle(self, ctx: RequestContext, explain: bool = True) -> None:
        """At the end of every request (finish): close the books on the answering attempt, teach the
        learner, and write the explanation for the audit record unless `seal` already did (or nothing
        records it: `explain=False`)."""
        plan = ctx.route
        if plan is None:
            return
        state = plan.active
        if state is not None:
            plan.active = None
            stats, breaker = state.stats, state.breaker
            stats.in_flight -= 1
            total_ms = ((ctx.ended_ns or time.perf_counter_ns()) - plan.active_ns) / 1e6
            if ctx.events is None or ctx.stream_completed:
                if ctx.events is not None:
                    stats.total(total_ms)
                stats.ok()
                breaker.success()
                self._learn(ctx, plan, state, True, total_ms)
            elif ctx.error is not None and classify(ctx.error) == RETRY:  # the stream broke mid-way
                stats.failed(f"mid-stream: {ctx.error.error_class}")
                breaker.failure()
                self._learn(ctx, plan, state, False, total_ms)
            else:  # the client went away, or a later stage stopped the stream: no verdict on the target
                breaker.release()
        if explain and "routing" not in ctx.annotations:  # not delivered (error, client gone): explain it now
            ctx.annotations["routing"] = plan.explain(ctx)

    def _learn(
        self, ctx: RequestContext, plan: RoutePlan, state: TargetState, ok: bool, total_ms: float
    ) -> None:
        group = plan.group
        if group.adaptive is None or plan.context is None:
            return
        settings = group.settings.adaptive
        latency = plan.ttfb_ms if settings.objective.latency_metric == "ttfb" else total_ms
        cost = None
        if state.price is not None:
            cost = usd(ctx.usage, state.price) if ctx.usage is not None else None
            if cost is None and plan.features is not None:
                cost = estimated_usd(state, plan.features)
        self.learner.observe(
            group.name, plan.context, state.label, settings=settings, ok=ok, latency_ms=latency, usd=cost
        )

    # ---- lifecycle: the learner's persistence ---------------------------------------------------------
    async def start(self, storage: Storage, redis_url: str | None) -> None:
        adaptive = [g.settings.adaptive for gs in self.groups.values() for g in gs.values() if g.adaptive]
        if not adaptive:
            return
        settings = adaptive[0]
        kind = settings.store
        if kind == "auto":
            kind = "redis" if redis_url else "database"
        if kind == "none":
            return
        from bastion.routing.store import DatabaseStore, Persistence, RedisStore, Store

        store: Store = RedisStore(redis_url) if kind == "redis" and redis_url else DatabaseStore(storage)
        self.persistence = Persistence(self.learner, store, settings.flush_seconds)
        await self.persistence.start()

    async def stop(self) -> None:
        if self.persistence is not None:
            await self.persistence.stop()
            self.persistence = None


def _refuse(ctx: RequestContext, group: Group, rejected: dict[str, str]) -> GatewayError:
    """The 403 for a request no target may serve, with the evidence for the audit record."""
    ctx.annotations["routing"] = {"group": group.name, "target": None, "rejected": rejected}
    return refusal(ctx, rejected)


def _priority(s: TargetState) -> tuple[int, int]:
    return (s.target.entry.priority, s.order)


def _alone(tier: Sequence[TargetState]) -> Any:
    from bastion.routing.strategies.base import Ranking

    return Ranking(list(tier), reason="only admissible target of its tier")


def _fitting(
    tiers: list[list[TargetState]], req: RequestFeatures, rejected: dict[str, str]
) -> list[list[TargetState]]:
    fitting = [[s for s in tier if fits(s.target, req.prompt_tokens, req.max_tokens)] for tier in tiers]
    if not any(fitting):
        return tiers  # nothing fits: let the providers decide
    for tier in tiers:
        for s in tier:
            if not fits(s.target, req.prompt_tokens, req.max_tokens):
                rejected[s.label] = "request exceeds context_window or max_output_tokens"
    return [t for t in fitting if t]


def _shadow(strategy: Strategy, tiers: list[list[TargetState]], req: RequestFeatures) -> dict[str, Any]:
    order: list[str] = []
    props: dict[str, float] = {}
    scores: dict[str, float] = {}
    for tier in tiers:
        ranking = strategy.rank(tier, req)
        order.extend(s.label for s in ranking.order)
        props.update(ranking.propensities or {})
        scores.update(ranking.scores or {})
    return {"strategy": strategy.name, "choice": order[0], "order": order, "scores": scores,
            "propensities": props or None}  # fmt: skip
