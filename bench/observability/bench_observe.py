"""Per-request cost of observability, in CPU time.

    .venv/bin/python bench/observability/bench_observe.py [--n 20000]

On a realistic finished request (virtual key and team, usage, cost, one failed attempt then a failover,
a policy match, two PII replacements) it measures:
  metrics       `Recorder.observe`, the one recording point (plain dictionaries, no locks, no I/O)
  alternative   the same updates made on prometheus-client metrics in its multiprocess mode (mmap'ed
                values, as PROMETHEUS_MULTIPROC_DIR enables), from the measured cost of one counter
                increment and one histogram observation times the number of each a request makes
  flush/scrape  writing a worker's snapshot and merging + rendering a scrape for 2 workers, with
                100 label sets per labelled metric family in use (per flush / per scrape, not per request)
  access line   `AccessLog.write` in JSON and text, to /dev/null
  tracing       a 12-stage pipeline of no-op stages: plain `Pipeline` vs `TracedPipeline` (request span,
                12 stage spans, request attributes); the OTLP/HTTP exporter sends to a receiver in another
                process. "loop" is the event loop thread's CPU, "total" adds the exporter thread's;
                also with `sample_ratio: 0.1` (9 requests in 10 make non-recording spans only)
Each figure is the median of 5 rounds (microseconds per request unless marked).
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

LABEL_SETS = 100  # per labelled metric family: ~2,000 series in all, ~10,000 with histogram buckets
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
    from bastion.apis.openai_chat import API as CHAT
    from bastion.config import parse_config
    from bastion.context import Attempt, Principal, RequestContext, Target
    from bastion.usage import Usage

    config = parse_config({
        "providers": [{"name": "openai", "type": "openai", "api_key": "k"},
                      {"name": "anthropic", "type": "anthropic", "api_key": "k"}],
        "models": [{"name": "gpt", "provider": "openai", "model": "gpt-4o"}],
    }, env={})  # fmt: skip
    ctx = RequestContext("rid-0123456789", CHAT, {"model": "gpt", "messages": []}, {})
    ctx.principal = Principal("k1", "search-backend", team="search", team_id="t1", role=None)
    ctx.model = "gpt"
    ctx.target = Target(config.models[0], config.providers[0])
    ctx.usage = Usage(120, 48)
    ctx.attempts = [Attempt("anthropic/claude", "BadGateway", 502), Attempt("openai/gpt-4o", "ok", 200)]
    ctx.upstream_ns = 2_000_000
    ctx.ended_ns = ctx.started_ns + 3_000_000
    ctx.annotations.update({
        "cost": {"usd": 0.00042, "input_tokens": 120, "output_tokens": 48},
        "policy": {"version": 3, "action": "flag",
                   "matched": [{"id": "r1", "action": "flag", "mode": "enforce"}]},
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


def bench_tracing(n: int) -> list[tuple[float, float]]:
    from bastion.apis.openai_chat import API as CHAT
    from bastion.config.observability import TelemetrySettings
    from bastion.context import RequestContext
    from bastion.observability.tracing import TracedPipeline, Tracing
    from bastion.pipeline import Pipeline

    stages = [_Noop(f"s{i}") for i in range(12)]
    loop = asyncio.new_event_loop()
    batch = 500

    def measure(pipeline: Pipeline, flush: Callable[[], None] | None) -> tuple[float, float]:
        async def some() -> None:
            for _ in range(batch):
                ctx = RequestContext("rid", CHAT, {}, {})
                ctx.model = "gpt"
                await pipeline.run(ctx)
                ctx.ended_ns = time.perf_counter_ns()
                await pipeline.finish(ctx)

        loops, totals = [], []
        for _ in range(5):
            p0, t0 = time.process_time_ns(), time.thread_time_ns()
            for _ in range(max(1, n // batch)):
                loop.run_until_complete(some())
                if flush is not None:
                    flush()
            done = max(1, n // batch) * batch
            loops.append((time.thread_time_ns() - t0) / done / 1000)
            totals.append((time.process_time_ns() - p0) / done / 1000)
        return statistics.median(loops), statistics.median(totals)

    plain = measure(Pipeline(stages), None)
    out = [plain]
    with _receiver() as url:
        for ratio in (None, 0.1):
            tracing = Tracing(TelemetrySettings(enabled=True, endpoint=url, sample_ratio=ratio))
            out.append(measure(TracedPipeline(stages, tracing), tracing.flush))
            tracing.shutdown()
    loop.close()
    return out


def count_updates() -> tuple[int, int]:
    """How many counter increments and histogram observations `Recorder.observe` makes for `_ctx()`."""
    from bastion.observability.metrics import Metrics
    from bastion.observability.record import Recorder

    metrics = Metrics()
    Recorder(metrics, max_keys=100, max_teams=50, max_models=100, known_models=["gpt"]).observe(_ctx())
    counters = sum(len(d) for d in metrics.counters.values())
    histograms = sum(len(h.rows) for h in metrics.histograms.values())
    return counters, histograms


def bench_prometheus_multiprocess(n: int) -> tuple[float, float]:
    """Child process (PROMETHEUS_MULTIPROC_DIR set): one labelled counter inc, one histogram observe."""
    from prometheus_client import CollectorRegistry, Counter, Histogram

    from bastion.observability.metrics import DURATION_BUCKETS

    registry = CollectorRegistry()
    counter = Counter("c", "c", ["a", "b"], registry=registry).labels("x", "y")
    hist = Histogram("h", "h", ["a"], buckets=DURATION_BUCKETS, registry=registry).labels("x")
    return _rounds(counter.inc, n), _rounds(lambda: hist.observe(0.3), n)


def bench_flush_and_scrape(rounds: int = 20) -> tuple[float, float]:
    """Milliseconds per snapshot write and per 2-worker scrape, LABEL_SETS per labelled family."""
    from bastion.observability.exposition import merge, render_metrics
    from bastion.observability.metrics import SPECS, Metrics
    from bastion.observability.multiprocess import Snapshots

    metrics = Metrics()
    for name, spec in SPECS.items():
        if not spec.labels:
            continue
        for i in range(LABEL_SETS):
            labels = tuple(f"{label}-{i}" for label in spec.labels)
            if spec.kind == "counter":
                metrics.counters[name][labels] = float(i)
            elif spec.kind == "histogram":
                metrics.histograms[name].observe(labels, 0.1)
            else:
                metrics.set(name, labels, 1.0)
    with tempfile.TemporaryDirectory() as d:
        mine, other = Snapshots(d, pid=os.getpid()), Snapshots(d, pid=1)
        other.write(metrics.snapshot())
        write = []
        scrape = []
        for _ in range(rounds):
            t0 = time.process_time_ns()
            mine.write(metrics.snapshot())
            write.append((time.process_time_ns() - t0) / 1e6)
            t0 = time.process_time_ns()
            render_metrics(merge([metrics.snapshot(), *mine.read_others()]), None)
            scrape.append((time.process_time_ns() - t0) / 1e6)
    return statistics.median(write), statistics.median(scrape)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--child", choices=["prometheus-multiprocess"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        inc, observe = bench_prometheus_multiprocess(args.n)
        print(f"{inc} {observe}")
        return
    with tempfile.TemporaryDirectory() as mp:
        env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": mp}
        child = [sys.executable, __file__, "--n", str(args.n), "--child", "prometheus-multiprocess"]
        out = subprocess.run(child, env=env, capture_output=True, text=True, check=True)
    inc, observe = (float(x) for x in out.stdout.split())
    counters, histograms = count_updates()
    recorder = bench_metrics(args.n)
    write_ms, scrape_ms = bench_flush_and_scrape()
    json_line = bench_access(args.n, "json")
    text_line = bench_access(args.n, "text")
    (plain_loop, plain_total), (traced_loop, traced_total), (s_loop, s_total) = bench_tracing(
        max(2000, args.n // 4)
    )
    alt = counters * inc + histograms * observe
    print("| what | CPU |")
    print("|---|---|")
    print(f"| metrics: `Recorder.observe` ({counters} counter and {histograms} histogram updates) "
          f"| {recorder:.1f} µs/request |")
    print(f"| alternative: the same updates on prometheus-client multiprocess mode ({inc:.2f} µs per inc, "
          f"{observe:.2f} µs per observe) | {alt:.1f} µs/request |")
    print(f"| snapshot write, per worker per flush (1 s) | {write_ms:.2f} ms |")
    print(f"| scrape: merge 2 workers + render | {scrape_ms:.2f} ms |")
    print(f"| access line, JSON | {json_line:.1f} µs/request |")
    print(f"| access line, text | {text_line:.1f} µs/request |")
    print(f"| 12 no-op stages, tracing off (loop / total) | {plain_loop:.1f} / {plain_total:.1f} "
          "µs/request |")
    print(f"| same, tracing on: 13 spans, OTLP/HTTP export (loop / total) "
          f"| {traced_loop:.1f} / {traced_total:.1f} µs/request |")
    print(f"| tracing's cost (loop / total) | {traced_loop - plain_loop:.1f} / "
          f"{traced_total - plain_total:.1f} µs/request |")
    print(f"| tracing's cost with sample_ratio 0.1 (loop / total) | {s_loop - plain_loop:.1f} / "
          f"{s_total - plain_total:.1f} µs/request |")


if __name__ == "__main__":
    main()
