"""Cost-control benchmarks: what admission and settlement add to one request.

1. in process: `Limiter.admit` (estimate + plan + key rpm/tpm/concurrency + team rpm + model rpm +
   key and team budgets) then the limits stage's `seal` (cost) and `finish` (settle), per request;
2. the same against Redis (one EVALSHA to admit, one to settle): the round trip dominates.

  .venv/bin/python bench/cost/bench.py [--requests 20000] [--redis redis://127.0.0.1:6379/0]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from typing import Any

from bastion.apis.openai_chat import API as CHAT
from bastion.config import parse_config
from bastion.config.limits import Budget, RateLimits
from bastion.context import Principal, RequestContext
from bastion.limits.factory import build_limiter
from bastion.pipeline.limits import LimitsStage
from bastion.pipeline.route import ModelTable
from bastion.usage import Usage

CONFIG = {
    "providers": [{"name": "openai", "type": "openai", "api_key": "sk-bench"}],
    "models": [{"name": "gpt-4o", "provider": "openai", "model": "gpt-4o-2024-08-06"}],
    "limits": {"models": {"gpt-4o": {"rpm": 10_000_000}}},
}
PRINCIPAL = Principal(
    "key_bench", "bench", team="finance", team_id="team_bench", role=None,
    limits=RateLimits(rpm=10_000_000, tpm=10**12, concurrency=100_000),
    budget=Budget(usd=10**9, period="day"),
    team_limits=RateLimits(rpm=10_000_000),
    team_budget=Budget(usd=10**9, period="month"),
)  # fmt: skip


def _ctx(limiter_config: Any) -> RequestContext:
    body = {
        "model": "gpt-4o",
        "max_tokens": 256,
        "messages": [
            {"role": "system", "content": "You are a helpful assistant. " * 10},
            {"role": "user", "content": "Summarise the quarterly numbers for the board, please. " * 8},
        ],
    }
    ctx = RequestContext(os.urandom(12).hex(), CHAT, body, {})
    ctx.principal = PRINCIPAL
    ctx.model = "gpt-4o"
    return ctx


async def run(n: int, redis_url: str | None) -> dict[str, float]:
    data = dict(CONFIG)
    if redis_url:
        data["redis_url"] = redis_url
    config = parse_config(data, env={})
    models = ModelTable(config)
    limiter = build_limiter(config, models)
    stage = LimitsStage(limiter)
    target = models.targets("chat", "gpt-4o")[0]
    admit: list[float] = []
    total: list[float] = []
    try:
        for i in range(n + 200):
            ctx = _ctx(config.limits)
            t0 = time.perf_counter()
            await stage.run(ctx)
            t1 = time.perf_counter()
            ctx.target, ctx.usage = target, Usage(412, 180)
            stage.seal(ctx)
            await stage.finish(ctx)
            t2 = time.perf_counter()
            if i >= 200:  # warm-up
                admit.append((t1 - t0) * 1e6)
                total.append((t2 - t0) * 1e6)
    finally:
        await limiter.backend.close()
    admit.sort()
    total.sort()
    return {
        "admit_p50_us": statistics.median(admit),
        "admit_p99_us": admit[int(len(admit) * 0.99)],
        "admit_settle_p50_us": statistics.median(total),
        "admit_settle_p99_us": total[int(len(total) * 0.99)],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--redis", default=None, help="also measure the Redis backend at this URL")
    args = parser.parse_args()
    for name, url in (("memory", None), ("redis", args.redis)):
        if name == "redis" and not url:
            continue
        result = asyncio.run(run(args.requests if name == "memory" else args.requests // 4, url))
        print(name, " ".join(f"{k}={v:.1f}" for k, v in result.items()))


if __name__ == "__main__":
    main()
