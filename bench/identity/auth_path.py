"""Key lookup cost on the authenticate path, with N virtual keys in the in-process cache.

    .venv/bin/python bench/identity/auth_path.py [--keys 10000] [--iterations 200000] [--append]

Measures, per call (ns, p50/p90/p99): the virtual-key authenticator alone; the whole authenticate stage
(header parsing + lookup + Principal on the context); the same stage with the old admin-key-only
authenticator as the baseline; and the model-access check of the policy stage. `--append` adds a line to
bench/identity/RESULTS.md.
"""

from __future__ import annotations

import argparse
import contextlib
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bastion.apis.openai_chat import API as CHAT
from bastion.context import RequestContext
from bastion.identity.access import check_model_access
from bastion.identity.authenticator import IdentityAuthenticator
from bastion.identity.cache import KeyCache, build_entries
from bastion.identity.keygen import display_prefix, hash_secret, new_id, new_secret
from bastion.pipeline.authenticate import AdminKeyAuthenticator, AuthenticateStage
from bastion.storage.keys import KeyRecord
from bastion.storage.teams import Team

ADMIN = "bench-admin-key-0123456789"


def records(n: int) -> tuple[list[KeyRecord], list[str], dict[str, Team]]:
    now = time.time()
    teams = {
        f"team_{i}": Team(f"team_{i}", f"t{i}", {}, ["gpt-*", "claude-*"], None, now, now) for i in range(50)
    }
    out, secrets = [], []
    for i in range(n):
        s = new_secret()
        secrets.append(s)
        out.append(KeyRecord(
            id=new_id("key"), name=f"k{i}", team_id=f"team_{i % 50}", user=None, role=None,
            models=["gpt-4o*", "claude-3*"], regions=None, prefix=display_prefix(s),
            secret_hash=hash_secret(s),
            previous_hash=None, previous_expires_at=None, expires_at=now + 86400, created_by="bench",
            created_at=now, updated_at=now, last_used_at=None, revoked_at=None,
        ))  # fmt: skip
    return out, secrets, teams


def timed(fn: Callable[[], object], iterations: int) -> list[int]:
    samples = []
    clock = time.perf_counter_ns
    for _ in range(iterations):
        t0 = clock()
        fn()
        samples.append(clock() - t0)
    return samples


def summary(samples: list[int]) -> dict[str, float]:
    q = statistics.quantiles(samples, n=100)
    return {"p50": q[49] / 1000, "p90": q[89] / 1000, "p99": q[98] / 1000}


def stage_call(stage: AuthenticateStage, key: str) -> Callable[[], object]:
    headers = {"Authorization": f"Bearer {key}"}

    def call() -> None:
        ctx = RequestContext("r", CHAT, {}, headers)
        coro = stage.run(ctx)
        with contextlib.suppress(StopIteration):
            coro.send(None)  # the stage never awaits: drive it without the event loop's overhead

    return call


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--keys", type=int, default=10_000)
    ap.add_argument("--iterations", type=int, default=200_000)
    ap.add_argument("--append", action="store_true")
    args = ap.parse_args()

    recs, secrets, teams = records(args.keys)
    cache = KeyCache()
    cache.replace(build_entries(recs, teams), 1)
    auth = IdentityAuthenticator(ADMIN, cache)
    rng = random.Random(7)
    picks = [rng.choice(secrets) for _ in range(1024)]
    i = 0

    def lookup() -> object:
        nonlocal i
        i = (i + 1) & 1023
        return auth.authenticate(picks[i])

    results = {
        "lookup (virtual key)": summary(timed(lookup, args.iterations)),
        "authenticate stage, virtual key": summary(
            timed(stage_call(AuthenticateStage(auth), picks[0]), args.iterations)
        ),
        "authenticate stage, admin key only (baseline)": summary(
            timed(stage_call(AuthenticateStage(AdminKeyAuthenticator(ADMIN)), ADMIN), args.iterations)
        ),
    }
    principal = auth.authenticate(picks[0])
    results["model-access check (policy)"] = summary(
        timed(lambda: check_model_access(principal, "gpt-4o-mini"), args.iterations)
    )
    added = (
        results["authenticate stage, virtual key"]["p50"]
        - results["authenticate stage, admin key only (baseline)"]["p50"]
    )
    print(f"{args.keys} keys in cache, {args.iterations} iterations, Python {platform.python_version()}")
    for name, r in results.items():
        print(f"  {name:48s} p50 {r['p50']:6.2f} µs   p90 {r['p90']:6.2f} µs   p99 {r['p99']:6.2f} µs")
    print(f"  added by virtual-key lookup vs admin-key-only stage: p50 {added:+.2f} µs (budget: 50 µs)")
    if args.append:
        path = Path(__file__).with_name("RESULTS.md")
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        v, b, p = (results[k] for k in ("authenticate stage, virtual key",
                                        "authenticate stage, admin key only (baseline)",
                                        "model-access check (policy)"))  # fmt: skip
        line = (f"| {stamp} | {platform.machine()} / Python {platform.python_version()} | {args.keys} | "
                f"{results['lookup (virtual key)']['p50']:.2f} | {v['p50']:.2f} / {v['p99']:.2f} | "
                f"{b['p50']:.2f} | {added:+.2f} | {p['p50']:.2f} |\n")  # fmt: skip
        if not path.exists():
            path.write_text(HEADER)
        with path.open("a") as f:
            f.write(line)
    return 0 if added <= 50 else 1


HEADER = """# Identity: key-lookup benchmark

`bench/identity/auth_path.py`: the authenticate path with N virtual keys in the in-process cache
(times in µs per call; the budget is ≤ 50 µs added at p50).

| when | machine | keys | lookup p50 | stage p50 / p99 | admin-only stage p50 | added p50 | model check p50 |
|---|---|---|---|---|---|---|---|
"""

if __name__ == "__main__":
    sys.exit(main())
