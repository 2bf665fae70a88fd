"""How long a `PUT /admin/policies` on one replica takes to be active on another (two gateways in one
process sharing a database; the second learns of the change by its version poll, or by Redis pub/sub).

    .venv/bin/python bench/policy/propagation.py [--redis redis://127.0.0.1:6379/0] [--trials 10]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from typing import Any

import aiohttp

from bastion.config import parse_config
from bastion.server.run import start_site

ADMIN = "bench-admin-key-0123456789"


def config(db: str, redis: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "admin_key": ADMIN,
        "database_url": f"sqlite:///{db}",
        "providers": [{"name": "demo", "type": "demo"}],
        "models": [{"name": "demo-echo", "provider": "demo", "model": "echo"}],
        "audit": {"enabled": False},
    }
    if redis:
        out["redis_url"] = redis
        out["policy"] = {"redis_poll_interval": 30}  # only pub/sub can be fast
    return out


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--redis")
    parser.add_argument("--trials", type=int, default=10)
    args = parser.parse_args()
    db = tempfile.mkdtemp() + "/bench.db"
    cfg = parse_config(config(db, args.redis), env={})
    (ra, pa), (rb, pb) = await start_site(cfg, "127.0.0.1", 0), await start_site(cfg, "127.0.0.1", 0)
    headers = {"Authorization": f"Bearer {ADMIN}"}
    delays = []
    async with aiohttp.ClientSession(headers=headers) as http:
        for i in range(args.trials):
            rule = {"id": f"r{i}", "when": {"keywords": [f"w{i}"]}, "then": {"action": "deny"}}
            t0 = time.monotonic()
            async with http.put(f"http://127.0.0.1:{pa}/admin/policies", json={"policies": [rule]}) as r:
                version = (await r.json())["version"]
            while True:
                async with http.get(f"http://127.0.0.1:{pb}/admin/policies") as r:
                    if (await r.json())["version"] >= version:
                        break
                await asyncio.sleep(0.005)
            delays.append((time.monotonic() - t0) * 1000)
            await asyncio.sleep(0.13)  # spread the PUTs over the poll phase
    await ra.cleanup()
    await rb.cleanup()
    delays.sort()
    mode = "redis pub/sub" if args.redis else "version poll (0.5 s)"
    p50, worst = statistics.median(delays), delays[-1]
    print(f"{mode}: p50 {p50:.0f} ms, max {worst:.0f} ms over {len(delays)} changes")


if __name__ == "__main__":
    asyncio.run(main())
