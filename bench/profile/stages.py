"""Where a request's CPU goes: the gateway in this process with a CPU counter around every pipeline stage,
a mock upstream (`mock.py`) and a load client (`client.py`) in processes of their own.

    .venv/bin/python bench/profile/stages.py --gateway bastion-guard --prompt-file P [--requests 2000]
        [--conc 1] [--stream] [--unique] [--instructions] [--json]

Gateways are the benchmark's configurations (bench/gateways/NAME/config.yaml). Reported per request:
each stage's CPU time (`run`, `seal`, `finish`, main thread; at concurrency 1 only), the answer's
writing (`respond`: JSON body or the stream relay, seal excluded), and the process's whole CPU time
(every thread: the audit writer's SQLite thread too). "rest" is the server and the event loop (HTTP
parsing, the upstream client, task switches, the audit writer's commits). Thread CPU clocks count only
this process's own work, so the figures drift much less than wall-clock ones when other work shares the
core; at concurrency 1 nothing else runs while a stage waits for the upstream.

``--unique``: every request carries a new user text (no cache can answer). ``--instructions`` re-runs
itself twice under ``valgrind --tool=callgrind``, with and without the measured requests, and also reports
instructions per request (the difference over their number): a figure that does not drift with load
(about 50x slower: ten minutes or more).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import orjson

HERE = Path(__file__).resolve().parent
BENCH = HERE.parent
KEY = "bench-admin-key-0123456789abcdef"


def thread_ticks() -> dict[str, int]:
    """CPU clock ticks (user + system) per thread of this process, by thread name."""
    out: dict[str, int] = defaultdict(int)
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/stat") as f:
                stat = f.read()
            with open(f"/proc/self/task/{tid}/comm") as f:
                comm = f.read().strip()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        name = "main thread" if int(tid) == os.getpid() else f"other threads ({comm.rstrip('0123456789-_')})"
        out[name] += int(fields[11]) + int(fields[12])
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Counters:
    """Nanoseconds of thread CPU time per named part."""

    def __init__(self) -> None:
        self.ns: dict[str, int] = defaultdict(int)

    def timed_async(self, name: str, fn: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        clock, ns = time.thread_time_ns, self.ns

        async def wrapper(*a: Any, **k: Any) -> Any:
            t0 = clock()
            try:
                return await fn(*a, **k)
            finally:
                ns[name] += clock() - t0

        return wrapper

    def timed(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        clock, ns = time.thread_time_ns, self.ns

        def wrapper(*a: Any, **k: Any) -> Any:
            t0 = clock()
            try:
                return fn(*a, **k)
            finally:
                ns[name] += clock() - t0

        return wrapper


class _Timed:
    """Stands in for a stage in the pipeline's lists, with its methods timed."""

    def __init__(self, stage: Any, counters: Counters) -> None:
        self.name = stage.name
        if hasattr(stage, "run"):
            self.run = counters.timed_async(f"{stage.name}.run", stage.run)
        if hasattr(stage, "seal"):
            self.seal = counters.timed(f"{stage.name}.seal", stage.seal)
        if hasattr(stage, "finish"):
            self.finish = counters.timed_async(f"{stage.name}.finish", stage.finish)


def instrument(app: Any, counters: Counters) -> None:
    from bastion.server import handlers
    from bastion.server.state import STATE

    state = app[STATE]
    pipeline = state.pipeline
    proxies = {id(s): _Timed(s, counters) for s in pipeline.stages}
    pipeline._runners = tuple(proxies[id(s)] for s in pipeline._runners)
    pipeline._sealers = tuple(proxies[id(s)] for s in pipeline._sealers)
    pipeline._finishers = tuple(proxies[id(s)] for s in pipeline._finishers)
    handlers.respond = counters.timed_async("respond", handlers.respond)  # type: ignore[attr-defined]
    handlers._serve = counters.timed_async("handler", handlers._serve)  # type: ignore[attr-defined]


def gateway_config(name: str, upstream: str, run_dir: str) -> Any:
    from bastion.config.loader import load_config

    env = dict(os.environ, BASTION_ADMIN_KEY=KEY, BENCH_UPSTREAM=upstream, BENCH_UPSTREAM_V1=upstream + "/v1",
               BENCH_RUN_DIR=run_dir)  # fmt: skip
    return load_config(BENCH / "gateways" / name / "config.yaml", env)


async def drive(url: str, args: argparse.Namespace, requests: int, offset: int) -> dict[str, Any]:
    cmd = [sys.executable, str(HERE / "client.py"), url, "--prompt-file", args.prompt_file,
           "--requests", str(requests), "--conc", str(args.conc), "--offset", str(offset)]  # fmt: skip
    cmd += ["--stream"] * args.stream + ["--unique"] * args.unique
    proc = await asyncio.create_subprocess_exec(*cmd, stdout=asyncio.subprocess.PIPE)
    out, _ = await proc.communicate()
    return dict(orjson.loads(out.splitlines()[-1]))


async def profile(args: argparse.Namespace) -> dict[str, Any]:
    import gc

    from bastion.server.run import start_site

    port = free_port()
    mock = await asyncio.create_subprocess_exec(sys.executable, str(HERE / "mock.py"), "--port", str(port))
    run_dir = tempfile.mkdtemp(prefix="bastion-profile-")
    try:
        for _ in range(100):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            await asyncio.sleep(0.05)
        config = gateway_config(args.gateway, f"http://127.0.0.1:{port}", run_dir)
        runner, bound = await start_site(config, "127.0.0.1", 0)
        counters = Counters()
        if not args.py_spy:  # sampled alone: the counters' own frames would blur the samples
            instrument(runner.app, counters)
        gc.collect()
        gc.freeze()
        gc.set_threshold(20_000, 10, 10)  # as `bastion serve` does
        url = f"http://127.0.0.1:{bound}/v1/chat/completions"
        warm = await drive(url, args, args.warmup, 10**7)
        if warm["errors"]:
            raise SystemExit(f"warm-up answered {warm['errors']} error(s); see the gateway's log")
        await asyncio.sleep(0.2)
        counters.ns.clear()
        spy = None
        if args.py_spy:
            spy = await asyncio.create_subprocess_exec(
                str(Path(sys.executable).parent / "py-spy"), "record", "--pid", str(os.getpid()),
                "--rate", "500", "--format", "raw", "--threads", "--output", args.py_spy, "--nonblocking",
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
            )  # fmt: skip
            await asyncio.sleep(1.0)
        t0, c0, w0 = thread_ticks(), time.process_time_ns(), time.perf_counter()
        result = await drive(url, args, args.requests, 0)
        await asyncio.sleep(0.2)  # the last group commit
        t1, c1, w1 = thread_ticks(), time.process_time_ns(), time.perf_counter()
        if spy is not None:
            spy.send_signal(2)
            await spy.wait()
        await runner.cleanup()
    finally:
        mock.terminate()
        await mock.wait()
    n = max(result["requests"], 1)
    parts = {k: v / n / 1000 for k, v in counters.ns.items()}
    return {
        "gateway": args.gateway, "prompt_file": os.path.basename(args.prompt_file), "requests": n,
        "errors": result["errors"], "conc": args.conc, "stream": args.stream, "unique": args.unique,
        "process_cpu_us_per_req": (c1 - c0) / n / 1000,
        "threads_us": {k: (t1[k] - t0.get(k, 0)) * 1e6 / os.sysconf("SC_CLK_TCK") / n for k in t1},
        "wall_s": round(w1 - w0, 2), "parts_us": parts,
    }  # fmt: skip


def render(r: dict[str, Any]) -> str:
    parts = dict(r["parts_us"])
    handler = parts.pop("handler", 0.0)
    respond = parts.pop("respond", 0.0)
    seal = sum(v for k, v in parts.items() if k.endswith(".seal"))
    stage_rows = sorted(((k, v) for k, v in parts.items() if v >= 0.05), key=lambda kv: -kv[1])
    total = r["process_cpu_us_per_req"]
    lines = [
        f"gateway {r['gateway']}, prompt {r['prompt_file']}, {r['requests']} requests "
        f"at concurrency {r['conc']}, "
        f"{'SSE' if r['stream'] else 'JSON'}{', unique texts' if r['unique'] else ''}, errors {r['errors']}",
        "",
        "| part | CPU µs per request |",
        "|---|---|",
    ]  # fmt: skip
    if r["conc"] == 1:  # with requests in flight side by side, a stage's clock also runs while others work
        for k, v in stage_rows:
            lines.append(f"| {k} | {v:.1f} |")
        lines.append(f"| respond (answer written, seal excluded) | {respond - seal:.1f} |")
        stages = sum(parts.values())
        rest = handler - stages - (respond - seal)
        lines.append(f"| rest of the handler (context, body read, errors) | {rest:.1f} |")
        lines.append(
            f"| rest of the process (server, loop, audit commits, threads) | {total - handler:.1f} |"
        )
    lines.append(f"| **process CPU per request** | **{total:.1f}** |")
    for k, v in sorted(r.get("threads_us", {}).items()):
        lines.append(f"| of which {k} | {v:.1f} |")
    if "instructions_per_req" in r:
        lines.append(f"| instructions per request (callgrind) | {r['instructions_per_req'] / 1e6:.2f} M |")
    return "\n".join(lines)


def under_callgrind(argv: list[str], requests: int) -> dict[str, Any]:
    """Instructions per request: two runs under callgrind, the same start-up and warm-up, with and without
    the measured requests; the difference divided by their number (start-up cancels out)."""
    totals = []
    result: dict[str, Any] = {}
    own = [a for a in argv if a != "--instructions"]
    for n in (0, requests):
        out = tempfile.mktemp(prefix="callgrind.", suffix=".out")
        cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable,
               str(Path(__file__).resolve()), *own, "--requests", str(n), "--json"]  # fmt: skip
        proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
        if n:
            result = dict(orjson.loads(proc.stdout.strip().splitlines()[-1]))
        text = Path(out).read_text(errors="replace")
        m = re.search(r"^(?:summary|totals):\s*(\d+)", text, re.M)
        totals.append(int(m.group(1)) if m else 0)
        os.unlink(out)
    result["instructions_per_req"] = (totals[1] - totals[0]) / max(requests, 1)
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gateway", default="bastion-guard", help="bench/gateways/NAME/config.yaml")
    ap.add_argument("--prompt-file", default="/work/shared/bench/prompts/ticket-pii-500.txt")
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--warmup", type=int, default=300)
    ap.add_argument("--conc", type=int, default=1)
    ap.add_argument("--stream", action="store_true")
    ap.add_argument("--unique", action="store_true", help="a new user text in every request")
    ap.add_argument("--instructions", action="store_true", help="also count instructions (callgrind)")
    ap.add_argument(
        "--py-spy", metavar="FILE", help="also sample the measured requests with py-spy (collapsed stacks)"
    )
    ap.add_argument("--json", action="store_true", help="print the result as one JSON line")
    args = ap.parse_args()
    if args.instructions:
        result = under_callgrind(sys.argv[1:], args.requests)
    else:
        try:
            import uvloop

            asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
        except ImportError:  # pragma: no cover
            pass
        result = asyncio.run(profile(args))
    print(orjson.dumps(result).decode() if args.json else render(result))


if __name__ == "__main__":
    main()
