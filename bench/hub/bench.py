"""Hub page server time with a large audit trail: fills a database with N request records (default
100,000, spread over the last 7 days, shaped like real ones: cost, PII, policy, route), starts the gateway on
it, signs in and times every page (median and p95 of --repeats loads, measured at the client on 127.0.0.1,
so it includes rendering and one local HTTP round trip) and counts the SQL statements one load runs.

`--dense` is the worst case for the 24-hour figures: every record in the last 23 hours, and every record
with a shadow-mode rule hit (the Policies page counts them). On PostgreSQL the table is ANALYZEd after the
fill, as autovacuum would do on a live install (planner statistics; see bench/RESULTS.md).

    .venv/bin/python bench/hub/bench.py [--records 100000] [--repeats 10] [--dense]
                                        [--postgres postgresql://postgres@127.0.0.1:5432/<scratch db>]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bastion.audit import Audit
from bastion.config import parse_config
from bastion.server.run import start_site

ADMIN = "bench-admin-key-0123456789"
TEAMS = ("payments", "support", "research", "legal", "marketing")
MODELS = ("gpt-4o", "gpt-4o-mini", "claude-sonnet", "gemini-flash")


def record(i: int, n: int, now: float, span: float, shadow_every: int) -> dict[str, Any]:
    """The i-th of n records spread over the `span` seconds before `now`."""
    ts = now - span + span * i / n
    team = TEAMS[i % len(TEAMS)]
    denied = i % 23 == 0
    hit = {"id": "try-flag", "action": "flag", "mode": "shadow"}
    shadow = {"shadow": [hit]} if i % shadow_every == 0 else {}
    rec: dict[str, Any] = {
        "id": f"{int(ts * 1e9):016x}{os.urandom(8).hex()}",
        "kind": "request",
        "request_id": os.urandom(12).hex(),
        "ts_start": ts,
        "ts_first_byte": ts + 0.2,
        "ts_end": ts + 0.9,
        "key_id": f"key_{i % 40:04d}",
        "team": team,
        "user": f"user-{i % 300}",
        "client_ip": "10.0.0.0/24",
        "api": "openai.chat",
        "model": MODELS[i % 4],
        "stream": bool(i % 2),
        "provider": "openai",
        "provider_model": MODELS[i % 4] + "-2024",
        "region": "eu",
        "route": {"strategy": "priority", "group": MODELS[i % 4], "candidates": ["openai/a", "azure/b"]},
        "attempts": [["openai/a", "ok", 200]],
        "policy": {
            "version": 3,
            "action": "deny" if denied else "none",
            "matched": [{"id": "no-secrets", "action": "deny", "mode": "enforce", "reason": "x"}]
            if denied
            else [],
            **shadow,
        },
        "pii": {"EMAIL": {"pseudonymize": 1 + i % 3}, "PERSON": {"pseudonymize": 1}} if i % 4 == 0 else None,
        "status": 403 if denied else 200,
        "error": "PermissionDenied" if denied else None,
        "error_code": "policy_denied" if denied else None,
        "outcome": "error" if denied else "completed",
        "decision": "denied" if denied else ("redacted" if i % 4 == 0 else "allowed"),
        "tokens_in": 0 if denied else 400 + i % 900,
        "tokens_out": 0 if denied else 100 + i % 300,
        "cost": None
        if denied
        else {
            "usd": 0.00001 * (1 + i % 97),
            "input_tokens": 400 + i % 900,
            "output_tokens": 100 + i % 300,
            "source": "provider",
        },
        "latency_ms": 900.0,
        "upstream_ms": 880.0 + i % 13,
        "overhead_ms": 0.5 + (i % 50) / 10,
        "config_hash": "c" * 64,
        "prompt_hmac": os.urandom(32).hex(),
        "response_hmac": os.urandom(32).hex(),
    }
    return rec


async def fill(config: Any, n: int, dense: bool) -> None:
    from bastion.storage import open_storage

    storage = open_storage(config.database_url)
    await storage.open()
    audit = Audit(config, storage)
    now = time.time()
    started = time.perf_counter()
    batch: list[dict[str, Any]] = []
    span, shadow_every = (23 * 3600, 1) if dense else (7 * 86400 - 60, 9)
    for i in range(n):
        batch.append(record(i, n, now, span, shadow_every))
        if len(batch) == 5000:
            await audit.store.append(batch)
            batch = []
    if batch:
        await audit.store.append(batch)
    print(f"filled {n:,} records in {time.perf_counter() - started:.1f} s")
    if storage.backend == "postgresql":
        async with storage.write() as conn:
            await conn.execute(sa.text("ANALYZE"))
    await storage.close()


class Statements:
    """Counts the SQL statements every engine in this process runs."""

    def __init__(self) -> None:
        self.n = 0
        sa.event.listen(Engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args: Any) -> None:
        self.n += 1


async def time_pages(config: Any, repeats: int) -> list[tuple[str, float, float, float]]:
    counter = Statements()
    runner, port = await start_site(config, "127.0.0.1", 0)
    base = f"http://127.0.0.1:{port}"
    out = []
    try:
        async with httpx.AsyncClient(base_url=base, timeout=120) as http:
            page = await http.get("/hub/login")
            token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
            await http.post("/hub/login", data={"key": ADMIN, "csrf": token, "next": "/hub"})
            listing = await http.get("/hub/requests")
            rid = re.search(r'href="/hub/requests/([0-9a-f]+)"', listing.text).group(1)  # type: ignore[union-attr]
            paths = [
                "/hub?window=1h",
                "/hub",
                "/hub?window=7d",
                "/hub/requests",
                "/hub/requests?decision=denied",
                "/hub/requests?pii=EMAIL&team=legal",
                "/hub/requests?pii=PHONE",
                "/hub/requests?rule=no-secrets",
                "/hub/requests?rule=never-matched",
                "/hub/requests?flagged=1",
                f"/hub/requests/{rid}",
                "/hub/keys",
                "/hub/teams",
                "/hub/policies",
                "/hub/models",
                "/hub/spend?window=all",
                "/hub/spend?group_by=day&window=all",
                "/hub/integrity",
            ]
            for path in paths:
                times = []
                counter.n = 0
                for _ in range(repeats + 1):
                    t0 = time.perf_counter()
                    r = await http.get(path)
                    times.append((time.perf_counter() - t0) * 1000)
                    assert r.status_code == 200, (path, r.status_code, r.text[:300])
                statements = counter.n / (repeats + 1)
                times = sorted(times[1:])  # the first load warms caches
                p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
                out.append((path, statistics.median(times), p95, statements))
    finally:
        await runner.cleanup()
    return out


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--postgres", default=None)
    parser.add_argument("--dense", action="store_true", help="all records in 23 h, all with a shadow hit")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.postgres or f"sqlite:///{Path(tmp) / 'bench.db'}"
        config = parse_config({
            "admin_key": ADMIN, "database_url": url, "audit": {"dir": str(Path(tmp) / "audit")},
            "providers": [{"name": "demo", "type": "demo"}], "models": [{"name": "demo", "provider": "demo",
                                                                          "model": "echo"}],
        }, env={})  # fmt: skip
        await fill(config, args.records, args.dense)
        backend = "PostgreSQL" if args.postgres else "SQLite"
        spread = "in the last 23 h, every one with a shadow hit" if args.dense else "over 7 days"
        print(f"\n{backend}, {args.records:,} records {spread}: page server time (ms)\n")
        print("| page | median | p95 | SQL statements per load |\n|---|---|---|---|")
        for path, median, p95, statements in await time_pages(config, args.repeats):
            print(f"| `{path}` | {median:.1f} | {p95:.1f} | {statements:.0f} |")


if __name__ == "__main__":
    asyncio.run(main())
