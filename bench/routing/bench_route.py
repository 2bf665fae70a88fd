"""Per-request cost of routing decisions: `Router.plan` + `Router.settle` (what the route stage adds to a
request), for a single-target group and for two-target groups under each strategy. No I/O.

    .venv/bin/python bench/routing/bench_route.py
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from bastion.apis.openai_chat import API as CHAT
from bastion.config import parse_config
from bastion.context import RequestContext
from bastion.routing.router import Router

PROVIDERS = [
    {"name": "a", "type": "openai", "base_url": "http://127.0.0.1:9/v1", "api_key": "k", "region": "us"},
    {"name": "b", "type": "openai", "base_url": "http://127.0.0.1:9/v1", "api_key": "k", "region": "eu"},
]
BODY = {"model": "g", "messages": [{"role": "user", "content": "hello"}]}


def build(strategy: str, targets: int) -> Router:
    models = [{"name": "g", "provider": p["name"], "model": "gpt-4o"} for p in PROVIDERS[:targets]]
    config: dict[str, Any] = {"providers": PROVIDERS, "models": models, "routing": {"strategy": strategy}}
    return Router(parse_config(config, env={}), seed=1)


def run(router: Router, n: int = 20000) -> list[float]:
    samples = []
    for _ in range(n):
        ctx = RequestContext("r", CHAT, BODY, {})
        ctx.model = "g"
        ctx.raw_body = b"x" * 200
        t0 = time.perf_counter_ns()
        plan = router.plan(ctx)
        ctx.route = plan
        state = plan.order[0]
        t = router.attempt_started(state)
        router.attempt_answered(ctx, plan, state, t)
        ctx.target = state.target
        router.settle(ctx)
        samples.append((time.perf_counter_ns() - t0) / 1000)
    return samples


def main() -> None:
    cases = [("priority", 1)] + [
        (s, 2) for s in ("priority", "weighted", "least-latency", "least-cost", "least-busy", "adaptive")
    ]
    print(f"{'strategy':<16}{'targets':>8}{'p50 µs':>10}{'p99 µs':>10}")
    for strategy, targets in cases:
        router = build(strategy, targets)
        run(router, 2000)  # warm up
        s = sorted(run(router))
        p50, p99 = statistics.median(s), s[int(len(s) * 0.99)]
        print(f"{strategy:<16}{targets:>8}{p50:>10.2f}{p99:>10.2f}")


if __name__ == "__main__":
    main()
