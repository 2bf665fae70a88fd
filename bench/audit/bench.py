"""Audit benchmarks: (1) the cost `seal` adds to a request (build the record, journal it: what runs on the
response path), (2) sustained records/s the group-commit writer stores on SQLite (and PostgreSQL with
--postgres URL).

    .venv/bin/python bench/audit/bench.py [--records 100000] [--postgres postgresql://postgres@127.0.0.1/test]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bastion.audit import Audit
from bastion.audit.record import new_id
from bastion.config import parse_config
from bastion.config.schema import ModelEntry, ProviderConfig
from bastion.context import Attempt, Principal, RequestContext, Target
from bastion.storage import open_storage
from bastion.usage import Usage


def sample_ctx() -> RequestContext:
    system = {"role": "system", "content": "You are helpful. " * 20}
    user = {"role": "user", "content": "Summarise <PERSON_1>'s note about the Q3 numbers. " * 10}
    body = {"model": "gpt-4o", "messages": [system, user]}
    ctx = RequestContext(os.urandom(12).hex(), "openai.chat", body, {}, client_ip="203.0.113.7")
    ctx.principal = Principal("key_abc123", "svc", team="finance", user="app-1", role=None)
    ctx.model = "gpt-4o"
    provider = ProviderConfig(name="openai", type="openai", api_key="sk-x", region="eu")  # type: ignore[arg-type]
    ctx.target = Target(ModelEntry(name="gpt-4o", provider="openai", model="gpt-4o-2024-08-06"), provider)
    ctx.attempts = [Attempt("openai/gpt-4o-2024-08-06", "ok", 200)]
    ctx.response = {"id": "chatcmpl-1", "object": "chat.completion", "choices": [{"index": 0,
                    "message": {"role": "assistant", "content": "The numbers went up. " * 30}}]}  # fmt: skip
    ctx.usage = Usage(412, 180)
    ctx.annotations["pii"] = {"PERSON": {"pseudonymize": 1}, "EMAIL": {"pseudonymize": 2}}
    ctx.annotations["cost"] = {"usd": 0.0031, "input_tokens": 412, "output_tokens": 180}
    ctx.upstream_ns = 900_000
    ctx.first_byte_ns = ctx.started_ns + 950_000
    ctx.ended_ns = ctx.started_ns + 1_000_000
    return ctx


def config(url: str, home: Path, **audit: Any) -> Any:
    return parse_config({"admin_key": "bench-admin-key-0123456789", "database_url": url,
                         "audit": {"dir": str(home / "audit"), **audit}}, env={})  # fmt: skip


async def seal_cost(url: str, home: Path, n: int) -> dict[str, float]:
    """Wall time of each `seal` (what a request waits for), the writer committing between them."""
    storage = open_storage(url)
    await storage.open()
    audit = Audit(config(url, home), storage)
    await audit.start()
    ctx = sample_ctx()
    samples = []
    for i in range(n):
        t0 = time.perf_counter_ns()
        audit.seal(ctx, normal=True)
        samples.append(time.perf_counter_ns() - t0)
        if i % 100 == 0:
            await asyncio.sleep(0)  # let the writer commit, as between requests
    await audit.stop()
    await storage.close()
    samples.sort()
    return {
        "p50_us": samples[len(samples) // 2] / 1e3,
        "p99_us": samples[int(len(samples) * 0.99)] / 1e3,
        "mean_us": statistics.fmean(samples) / 1e3,
    }


async def throughput(url: str, home: Path, n: int) -> dict[str, float]:
    """Records sealed as fast as one event loop can while the writer commits in the background; the clock
    stops when the last one is committed. `cpu_us` is the process CPU per record (seal + commit, all
    threads): the capacity a loaded machine still has is about 1e6 / cpu_us records per core-second."""
    storage = open_storage(url)
    await storage.open()
    audit = Audit(config(url, home, flush_interval=0.02), storage)
    await audit.start()
    await asyncio.sleep(0.1)
    base = audit.writer.written
    ctx = sample_ctx()
    cpu0, t0 = time.process_time(), time.perf_counter()
    for i in range(n):
        ctx.request_id = new_id()
        audit.seal(ctx, normal=True)
        if i % 200 == 0:
            await asyncio.sleep(0)
    while audit.writer.written - base < n:  # noqa: ASYNC110 - polling the writer's counter
        await asyncio.sleep(0.005)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    await audit.stop()
    await storage.close()
    return {"records": n, "seconds": elapsed, "records_per_s": n / elapsed, "cpu_us": cpu / n * 1e6}


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--seal", type=int, default=50_000)
    parser.add_argument("--postgres", help="also run the throughput test on this PostgreSQL database")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        cost = await seal_cost(f"sqlite:///{home}/seal.db", home, args.seal)
        print(f"seal (record + journal write), {args.seal} calls: p50 {cost['p50_us']:.1f} µs, "
              f"p99 {cost['p99_us']:.1f} µs, mean {cost['mean_us']:.1f} µs")  # fmt: skip
        targets = [("SQLite", f"sqlite:///{home}/tp.db")]
        if args.postgres:
            targets.append(("PostgreSQL", args.postgres))
        for name, url in targets:
            tp = await throughput(url, home, args.records)
            print(f"{name} sustained: {tp['records']} records in {tp['seconds']:.2f} s = "
                  f"{tp['records_per_s']:,.0f} records/s; CPU {tp['cpu_us']:.0f} µs/record")  # fmt: skip


if __name__ == "__main__":
    asyncio.run(main())
