"""Strategies and constraints at the router level: a real `Router` built from config ranks the targets of
real request contexts; outcomes are fed back as the call stage would."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import pytest

from bastion.apis.openai_chat import API as CHAT
from bastion.config import ConfigError, parse_config
from bastion.context import Principal, RequestContext
from bastion.errors import Forbidden, NotFound
from bastion.routing.constraints import constrain
from bastion.routing.router import Router

PROVIDERS = [
    {"name": "us", "type": "openai", "base_url": "http://127.0.0.1:9/v1", "api_key": "k", "region": "us"},
    {"name": "eu", "type": "openai", "base_url": "http://127.0.0.1:9/v1", "api_key": "k", "region": "eu"},
    {"name": "local", "type": "vllm", "base_url": "http://127.0.0.1:9/v1", "region": "eu", "trusted": True},
]


def router(models: list[dict[str, Any]], routing: dict[str, Any] | None = None, seed: int = 7) -> Router:
    config = parse_config({"providers": PROVIDERS, "models": models, "routing": routing or {}}, env={})
    return Router(config, seed=seed)


def request(model: str = "g", principal: Principal | None = None, **body: Any) -> RequestContext:
    ctx = RequestContext("r1", CHAT, {"model": model, "messages": [], **body}, {})
    ctx.model, ctx.principal, ctx.stream = model, principal, bool(body.get("stream"))
    ctx.raw_body = b"x" * 400
    return ctx


def order(r: Router, ctx: RequestContext | None = None) -> list[str]:
    return [s.label for s in r.plan(ctx or request()).order]


def test_priority_orders_by_priority_then_config_order() -> None:
    r = router([
        {"name": "g", "provider": "us", "model": "a", "priority": 2},
        {"name": "g", "provider": "eu", "model": "b", "priority": 1},
        {"name": "g", "provider": "local", "model": "c", "priority": 1},
    ])  # fmt: skip
    assert order(r) == ["eu/b", "local/c", "us/a"]


def test_weighted_follows_the_weights() -> None:
    r = router(
        [
            {"name": "g", "provider": "us", "model": "a", "weight": 3},
            {"name": "g", "provider": "eu", "model": "b"},
        ],
        {"strategy": "weighted"},
    )
    firsts = Counter(order(r)[0] for _ in range(4000))
    assert 0.72 < firsts["us/a"] / 4000 < 0.78


def test_weight_zero_is_only_a_fallback() -> None:
    r = router(
        [
            {"name": "g", "provider": "us", "model": "a", "weight": 0},
            {"name": "g", "provider": "eu", "model": "b"},
        ],
        {"strategy": "weighted"},
    )
    assert {order(r)[0] for _ in range(200)} == {"eu/b"}


def test_least_latency_prefers_the_lower_ewma_and_tries_unknown_targets_first() -> None:
    r = router(
        [{"name": "g", "provider": "us", "model": "a"}, {"name": "g", "provider": "eu", "model": "b"}],
        {"strategy": "least-latency"},
    )
    r.stats["us/a"].total(300)
    assert order(r) == ["eu/b", "us/a"]  # b has no sample yet
    r.stats["eu/b"].total(500)
    assert order(r) == ["us/a", "eu/b"]
    for _ in range(10):
        r.stats["eu/b"].total(50)
    assert order(r) == ["eu/b", "us/a"]
    r.stats["eu/b"].ttfb(900)
    r.stats["us/a"].ttfb(100)
    assert order(r, request(stream=True)) == ["us/a", "eu/b"]  # streams rank by time to first byte
    ctx = request()
    plan = r.plan(ctx)
    assert plan.rankings is not None and plan.rankings[0].scores == pytest.approx(
        {"us/a": 300.0, "eu/b": r.stats["eu/b"].total_ms}
    )


def test_least_cost_uses_prices_and_overrides() -> None:
    r = router(
        [
            {"name": "g", "provider": "us", "model": "gpt-4o"},  # shipped table: 2.5 / 10
            {"name": "g", "provider": "eu", "model": "gpt-4o-mini"},  # 0.15 / 0.6
            {"name": "g", "provider": "local", "model": "llama", "input_cost_per_mtok": 0.01,
             "output_cost_per_mtok": 0.02},
            {"name": "g", "provider": "eu", "model": "mystery-model"},  # no price: last
        ],
        {"strategy": "least-cost"},
    )  # fmt: skip
    assert order(r) == ["local/llama", "eu/gpt-4o-mini", "us/gpt-4o", "eu/mystery-model"]


def test_least_busy_prefers_fewer_in_flight() -> None:
    r = router(
        [{"name": "g", "provider": "us", "model": "a"}, {"name": "g", "provider": "eu", "model": "b"}],
        {"strategy": "least-busy"},
    )
    r.stats["us/a"].in_flight = 3
    r.stats["eu/b"].in_flight = 1
    assert order(r) == ["eu/b", "us/a"]
    r.stats["eu/b"].in_flight = 5
    assert order(r) == ["us/a", "eu/b"]


def test_fallback_groups_come_after_the_groups_own_targets() -> None:
    r = router(
        [
            {"name": "g", "provider": "us", "model": "a"},
            {"name": "g", "provider": "eu", "model": "b"},
            {"name": "backup", "provider": "local", "model": "c"},
        ],
        {"strategy": "least-latency", "groups": {"g": {"fallbacks": ["backup"]}}},
    )
    r.stats["local/c"].total(1)
    r.stats["us/a"].total(100)
    r.stats["eu/b"].total(50)
    assert order(r) == ["eu/b", "us/a", "local/c"]


def test_group_settings_merge_over_defaults() -> None:
    config = parse_config(
        {
            "providers": PROVIDERS,
            "models": [{"name": "g", "provider": "us", "model": "a"}],
            "routing": {"retries": 4, "backoff": {"initial": 0.5},
                        "groups": {"g": {"strategy": "least-cost", "backoff": {"max": 9}}}},
        },
        env={},
    )  # fmt: skip
    g = config.routing.for_group("g")
    assert (g.strategy, g.retries, g.backoff.initial, g.backoff.max) == ("least-cost", 4, 0.5, 9)
    other = config.routing.for_group("other")
    assert (other.strategy, other.backoff.max) == ("priority", 2.0)


def test_unknown_fallback_fails_at_start() -> None:
    with pytest.raises(ConfigError, match=r"unknown model .nope."):
        router([{"name": "g", "provider": "us", "model": "a"}], {"groups": {"g": {"fallbacks": ["nope"]}}})


# ---- constraints ---------------------------------------------------------------------------------------
MIXED = [
    {"name": "g", "provider": "us", "model": "a"},
    {"name": "g", "provider": "eu", "model": "b", "tags": ["zero-data-retention"]},
    {"name": "g", "provider": "local", "model": "c"},
    {"name": "us-only", "provider": "us", "model": "d"},
]


def test_constraints_filter_before_any_strategy() -> None:
    r = router([*MIXED], {"groups": {"g": {"fallbacks": ["us-only"]}}})
    ctx = request()
    constrain(ctx, regions=["eu"], reason="eu-only")
    plan = r.plan(ctx)
    assert [s.label for s in plan.order] == ["eu/b", "local/c"]  # the us fallback never joins
    assert plan.rejected == {"us/a": "region required by policy", "us/d": "region required by policy"}
    assert [t.label for t in ctx.candidates] == ["eu/b", "local/c"]
    ctx = request()
    constrain(ctx, trusted_only=True)
    assert order(r, ctx) == ["local/c"]
    ctx = request()
    constrain(ctx, tags=["zero-data-retention"])
    assert order(r, ctx) == ["eu/b"]


def test_constraints_fail_closed() -> None:
    r = router([*MIXED])
    ctx = request("us-only")
    constrain(ctx, regions=["eu"], reason="eu-only")
    with pytest.raises(Forbidden) as info:
        r.plan(ctx)
    assert info.value.code == "no_compliant_target" and "eu-only" in info.value.message
    key = Principal("k1", "app", regions=frozenset({"apac"}))
    with pytest.raises(Forbidden) as info:
        r.plan(request("g", key))
    assert info.value.code == "region_not_allowed"
    with pytest.raises(NotFound):
        r.plan(request("missing"))


def test_key_model_patterns_apply_to_fallback_groups() -> None:
    r = router([*MIXED], {"groups": {"g": {"fallbacks": ["us-only"]}}})
    key = Principal("k1", "app", models=("g",))
    assert "us/d" not in order(r, request("g", key))


def test_capacity_limits_steer_long_prompts() -> None:
    r = router([
        {"name": "g", "provider": "us", "model": "small", "context_window": 50},
        {"name": "g", "provider": "eu", "model": "large", "context_window": 100_000},
    ])  # fmt: skip
    assert order(r) == ["eu/large"]  # 400 bytes ~ 100 tokens > 50
    short = request()
    short.raw_body = b"x" * 40
    assert order(r, short) == ["us/small", "eu/large"]


# ---- adaptive --------------------------------------------------------------------------------------------
def simulate(r: Router, latency: dict[str, float], cost: dict[str, float], n: int) -> list[str]:
    rng = random.Random(3)
    group = r.groups["chat"]["g"]
    chosen = []
    for _ in range(n):
        ctx = request()
        plan = r.plan(ctx)
        state = plan.order[0]
        chosen.append(state.label)
        assert plan.context is not None
        r.learner.observe(
            "g", plan.context, state.label, settings=group.settings.adaptive, ok=True,
            latency_ms=latency[state.label] * rng.uniform(0.7, 1.3), usd=cost[state.label],
        )  # fmt: skip
    return chosen


TWO = [{"name": "g", "provider": "us", "model": "a"}, {"name": "g", "provider": "eu", "model": "b"}]


@pytest.mark.parametrize(
    ("latency", "cost"),
    [
        ({"us/a": 400.0, "eu/b": 200.0}, {"us/a": 0.01, "eu/b": 0.01}),  # faster at equal cost
        ({"us/a": 200.0, "eu/b": 200.0}, {"us/a": 0.02, "eu/b": 0.01}),  # cheaper at equal latency
    ],
)
def test_adaptive_sends_most_traffic_to_the_better_target(
    latency: dict[str, float], cost: dict[str, float]
) -> None:
    r = router(TWO, {"strategy": "adaptive"})
    chosen = simulate(r, latency, cost, 300)
    assert chosen[-100:].count("eu/b") >= 90


def test_adaptive_learns_to_avoid_failures() -> None:
    r = router(TWO, {"strategy": "adaptive"})
    group = r.groups["chat"]["g"]
    chosen = []
    for _ in range(300):
        plan = r.plan(request())
        label = plan.order[0].label
        chosen.append(label)
        assert plan.context is not None
        r.learner.observe("g", plan.context, label, settings=group.settings.adaptive, ok=label == "eu/b",
                          latency_ms=100, usd=0.01)  # fmt: skip
    assert chosen[-100:].count("eu/b") >= 95


def test_adaptive_records_propensities_and_shadow_mode() -> None:
    r = router(TWO, {"strategy": "priority", "shadow": "adaptive"})
    ctx = request(tools=[{"type": "function", "function": {"name": "f"}}])
    plan = r.plan(ctx)
    assert [s.label for s in plan.order] == ["us/a", "eu/b"]  # priority decides
    assert plan.context == "api=openai.chat|size=s|tools=1"
    assert plan.shadow is not None and plan.shadow["strategy"] == "adaptive"
    assert set(plan.shadow["propensities"]) == {"us/a", "eu/b"}
    assert sum(plan.shadow["propensities"].values()) == pytest.approx(1.0)
    r2 = router(TWO, {"strategy": "adaptive"})
    ctx = request()
    plan = r2.plan(ctx)
    explained = plan.explain(ctx)
    assert explained["strategy"] == "adaptive" and set(explained["propensities"]) == {"us/a", "eu/b"}
    assert "thompson" in explained["reason"]


def test_entry_timeouts_override_only_the_keys_they_set() -> None:
    config = parse_config(
        {
            "providers": [{**PROVIDERS[0], "timeouts": {"first_byte": 7, "idle": 9}}],
            "models": [{"name": "g", "provider": "us", "model": "a", "timeouts": {"idle": 0.5}}],
        },
        env={},
    )
    t = Router(config).groups["chat"]["g"].targets[0].provider.timeouts
    assert (t.first_byte, t.idle) == (7, 0.5)
