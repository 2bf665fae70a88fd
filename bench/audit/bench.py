"""Audit benchmarks: (1) the cost `seal` adds to a request (build the record, journal it: what runs on the
response path), (2) sustained wall-clock records/s of the whole writer path — seal, journal `write(2)`, group
commit into the database — on SQLite (and PostgreSQL with --postgres URL).

    .venv/bin/python bench/audit/bench.py [--seconds 30] [--seal 50000] [--only seal|sustained]
                                          [--postgres postgresql://postgres@127.0.0.1:5432/<scratch db>]
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

from bastion.apis.openai_chat import API as CHAT
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
    ctx = RequestContext(os.urandom(12).hex(), CHAT, body, {}, client_ip="203.0.113.7")
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


async def throughput(url: str, home: Path, seconds: float, rate: float = 0.0) -> dict[str, float]:
    """For `seconds`, one event loop seals records — as fast as it can (yielding to the writer every 50, as
    between requests), or paced at `rate` per second — while the group-commit writer stores them. The clock
    runs from the first seal until the last record is committed: records/s = records / that wall-clock
    time. Also reported: the rate committed during the sealing window, and the backlog (sealed, not yet
    committed) when sealing stopped — small means the writer keeps up. `cpu_us`: process CPU per record
    (seal + commit, all threads)."""
    storage = open_storage(url)
    await storage.open()
    audit = Audit(config(url, home, flush_interval=0.02), storage)
    await audit.start()
    await asyncio.sleep(0.1)
    base = audit.writer.written
    ctx = sample_ctx()
    produced = 0
    cpu0, t0 = time.process_time(), time.perf_counter()
    end = t0 + seconds
    while (now := time.perf_counter()) < end:
        due = int((now - t0) * rate) if rate else produced + 50
        while produced < due:
            ctx.request_id = new_id()
            audit.seal(ctx, normal=True)
            produced += 1
        await asyncio.sleep(0.001 if rate else 0)
    window = time.perf_counter() - t0
    in_window = audit.writer.written - base
    while audit.writer.written - base < produced:  # noqa: ASYNC110 - polling the writer's counter
        await asyncio.sleep(0.005)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    await audit.stop()
    await storage.close()
    return {"records": produced, "seconds": elapsed, "records_per_s": produced / elapsed,
            "window_per_s": in_window / window, "backlog": produced - in_window,
            "cpu_us": cpu / produced * 1e6}  # fmt: skip


TARGET = 5000  # records/s on SQLite (issue 5)


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=30.0, help="sustained run length (default 30)")
    parser.add_argument("--seal", type=int, default=50_000, help="seal calls timed one by one")
    parser.add_argument("--only", choices=("seal", "sustained"), help="run one of the two")
    parser.add_argument("--rate", type=float, default=0.0,
                        help="sustained: offer this many records/s (default: all it can)")  # fmt: skip
    parser.add_argument("--postgres", help="also run the sustained test on this PostgreSQL database")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    print(f"machine: {os.cpu_count()} cores, load average {load:.2f} at start")
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        if args.only != "sustained":
            cost = await seal_cost(f"sqlite:///{home}/seal.db", home, args.seal)
            print(f"seal (record + journal write), {args.seal} calls: p50 {cost['p50_us']:.1f} µs, "
                  f"p99 {cost['p99_us']:.1f} µs, mean {cost['mean_us']:.1f} µs")  # fmt: skip
        if args.only == "seal":
            return
        targets = [("SQLite", f"sqlite:///{home}/tp.db")]
        if args.postgres:
            targets.append(("PostgreSQL", args.postgres))
        for name, url in targets:
            tp = await throughput(url, home, args.seconds, args.rate)
            verdict = ""
            if name == "SQLite":
                met = "MET" if tp["records_per_s"] >= TARGET else "NOT MET"
                verdict = f"  [target ≥ {TARGET:,}/s: {met}]"
            offered = f"offered {args.rate:,.0f}/s" if args.rate else "offered as fast as one loop seals"
            print(f"{name} sustained writer path (seal + journal + group commit), {offered}:\n"
                  f"  {tp['records']:,} records, first seal to last commit {tp['seconds']:.2f} s wall clock "
                  f"= {tp['records_per_s']:,.0f} records/s{verdict}\n"
                  f"  committed while sealing {tp['window_per_s']:,.0f} records/s; backlog when sealing "
                  f"stopped {tp['backlog']:,.0f} records; CPU {tp['cpu_us']:.0f} µs/record")  # fmt: skip
    print(f"load average at end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
