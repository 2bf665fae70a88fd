"""Per-request cost of observability, in CPU time (process time: includes the span exporter's thread).

    .venv/bin/python bench/observability/bench_observe.py [--n 20000]

Measures, on a realistic finished request (virtual key and team, usage, cost, one failed attempt then a
failover, a policy match, two PII replacements):
  metrics      `Recorder.observe` (the one recording point), single process and multiprocess mode
               (PROMETHEUS_MULTIPROC_DIR set, as under `bastion serve --workers N`)
  access line  `AccessLog.write` in JSON and text, to /dev/null
  tracing      a 12-stage pipeline of no-op stages: plain `Pipeline` vs `TracedPipeline` (request span,
               12 stage spans, request attributes), with the OTLP/HTTP exporter sending to a local
               receiver in another process; CPU includes the batch exporter's encoding and posting
Each figure is the median of 5 rounds of N requests (microseconds per request).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from typing import Any

RECEIVER = """
import sys
from aiohttp import web
async def ok(request):
    await request.read()
    return web.Response(body=b"", content_type="application/x-protobuf")
app = web.Application(client_max_size=64 * 1024 * 1024)
app.router.add_post("/v1/traces", ok)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
"""


def _ctx() -> Any:
    from bastion.config import parse_config
    from bastion.context import Attempt, Principal, RequestContext, Target
    from bastion.usage import Usage

    config = parse_config({
        "providers": [{"name": "openai", "type": "openai", "api_key": "k"},
                      {"name": "anthropic", "type": "anthropic", "api_key": "k"}],
        "models": [{"name": "gpt", "provider": "openai", "model": "gpt-4o"}],
    }, env={})  # fmt: skip
    ctx = RequestContext("rid-0123456789", "openai.chat", {"model": "gpt", "messages": []}, {})
    ctx.principal = Principal("k1", "search-backend", team="search", team_id="t1", role=None)
    ctx.model = "gpt"
    ctx.target = Target(config.models[0], config.providers[0])
    ctx.usage = Usage(120, 48)
    ctx.attempts = [Attempt("anthropic/claude", "BadGateway", 502), Attempt("openai/gpt-4o", "ok", 200)]
    ctx.upstream_ns = 2_000_000
    ctx.ended_ns = ctx.started_ns + 3_000_000
    ctx.annotations.update({
        "cost": {"usd": 0.00042, "input_tokens": 120, "output_tokens": 48},
        "policy": {"version": 3, "action": "flag", "matched": [{"id": "r1", "action": "flag", "mode": "enforce"}]},
        "pii": {"EMAIL": {"pseudonymize": 1}, "PHONE": {"pseudonymize": 1}},
    })  # fmt: skip
    return ctx


def _rounds(fn: Callable[[], None], n: int, rounds: int = 5) -> float:
    out = []
    for _ in range(rounds):
        t0 = time.process_time_ns()
        for _ in range(n):
            fn()
        out.append((time.process_time_ns() - t0) / n / 1000)
    return statistics.median(out)


def bench_metrics(n: int) -> float:
    from bastion.observability.metrics import Metrics
    from bastion.observability.record import Recorder

    recorder = Recorder(Metrics(), max_keys=100, max_teams=50, max_models=100, known_models=["gpt"])
    ctx = _ctx()
    return _rounds(lambda: recorder.observe(ctx), n)


def bench_access(n: int, fmt: str) -> float:
    from bastion.observability.access import AccessLog

    ctx = _ctx()
    access = AccessLog(fmt)
    with open(os.devnull, "w") as devnull:
        saved, sys.stderr = sys.stderr, devnull
        try:
            return _rounds(lambda: access.write(ctx), n)
        finally:
            sys.stderr = saved
            access.logger.handlers.clear()


class _Noop:
    def __init__(self, name: str) -> None:
        self.name = name

    async def run(self, ctx: Any) -> None:
        return None


def _free_port() -> int:
    with contextlib.closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def _receiver() -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-c", RECEIVER, str(port)])
    try:
        for _ in range(100):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.1):
                break
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait()


def bench_tracing(n: int) -> tuple[float, float]:
    from bastion.config.observability import TelemetrySettings
    from bastion.context import RequestContext
    from bastion.observability.tracing import TracedPipeline, Tracing
    from bastion.pipeline import Pipeline

    stages = [_Noop(f"s{i}") for i in range(12)]
    loop = asyncio.new_event_loop()

    def runner(pipeline: Pipeline) -> Callable[[], None]:
        async def many() -> None:
            for _ in range(n):
                ctx = RequestContext("rid", "openai.chat", {}, {})
                ctx.model = "gpt"
                await pipeline.run(ctx)
                ctx.ended_ns = time.perf_counter_ns()
                await pipeline.finish(ctx)

        return lambda: loop.run_until_complete(many())

    plain = _rounds(runner(Pipeline(stages)), 1) / n
    with _receiver() as url:
        tracing = Tracing(TelemetrySettings(enabled=True, endpoint=url))
        traced_run = runner(TracedPipeline(stages, tracing))

        def traced_and_flushed() -> None:
            traced_run()
            tracing.flush()  # the exporter's work is part of the cost

        traced = _rounds(traced_and_flushed, 1) / n
        tracing.shutdown()
    loop.close()
    return plain, traced


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--child", choices=["multiprocess"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "multiprocess":
        print(f"{bench_metrics(args.n):.2f}")
        return
    with tempfile.TemporaryDirectory() as mp:
        env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": mp}
        out = subprocess.run([sys.executable, __file__, "--n", str(args.n), "--child", "multiprocess"],
                             env=env, capture_output=True, text=True, check=True)  # fmt: skip
        multi = float(out.stdout.strip())
    single = bench_metrics(args.n)
    json_line = bench_access(args.n, "json")
    text_line = bench_access(args.n, "text")
    plain, traced = bench_tracing(max(2000, args.n // 4))
    print("| what | µs CPU per request |")
    print("|---|---|")
    print(f"| metrics, one process (`Recorder.observe`) | {single:.1f} |")
    print(f"| metrics, multiprocess mode (`--workers N`) | {multi:.1f} |")
    print(f"| access line, JSON | {json_line:.1f} |")
    print(f"| access line, text | {text_line:.1f} |")
    print(f"| pipeline of 12 no-op stages, tracing off | {plain:.1f} |")
    print(f"| same, tracing on (13 spans, OTLP/HTTP export included) | {traced:.1f} |")
    print(f"| tracing's cost per request | {traced - plain:.1f} |")


if __name__ == "__main__":
    main()
