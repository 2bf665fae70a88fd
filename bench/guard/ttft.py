"""Time to first token added by the response guard's hold-back window, through a real gateway.

    .venv/bin/python bench/guard/ttft.py [--requests 40] [--interval-ms 20]

A local OpenAI-compatible upstream streams a fixed answer a few characters per chunk, one chunk every
`interval` ms (a paced model: about 6 characters per 20 ms, ~75 tokens/s). The same streamed requests go
through a gateway without guardrails and one with `toxicity` and `prompt_injection` on the response;
each prints time to first content byte and to the end, p50/p99. The window (one sentence or 200
characters) holds the first text back until the first sentence has arrived and passed.
"""

# ruff: noqa: E501

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

import httpx
import orjson
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))

from bastion.config import parse_config
from bastion.guard.stats import percentile
from bastion.server.run import start_site

ANSWER = ("Thanks for the question, here is a short summary of the report. Revenue grew four percent in the "
          "third quarter, driven by the services business. Costs stayed flat. The outlook for next year is "
          "cautious but stable, and the board approved the plan.")  # fmt: skip
KEY = "bench-admin-key-0123456789"


def upstream_app(interval: float) -> web.Application:
    async def chat(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await resp.prepare(request)
        for i in range(0, len(ANSWER), 6):
            chunk = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m",
                     "choices": [{"index": 0, "delta": {"content": ANSWER[i : i + 6]}, "finish_reason": None}]}  # fmt: skip
            await resp.write(b"data: " + orjson.dumps(chunk) + b"\n\n")
            await asyncio.sleep(interval)
        end = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m",
               "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}  # fmt: skip
        await resp.write(b"data: " + orjson.dumps(end) + b"\n\ndata: [DONE]\n\n")
        return resp

    app = web.Application()
    app.router.add_post("/v1/chat/completions", chat)
    return app


def config(upstream: str, db: Path, guarded: bool) -> dict[str, object]:
    out: dict[str, object] = {
        "admin_key": KEY, "database_url": f"sqlite:///{db}", "pii": {"enabled": False},
        "audit": {"enabled": False},
        "providers": [{"name": "up", "type": "openai", "base_url": upstream, "api_key": "sk-bench"}],
        "models": [{"name": "paced", "provider": "up", "model": "m"}],
    }  # fmt: skip
    if guarded:
        out["guardrails"] = {"toxicity": {"action": "block", "on": ["response"]},
                             "prompt_injection": {"action": "block", "on": ["response"]}}  # fmt: skip
    return out


async def measure(url: str, n: int) -> tuple[list[float], list[float]]:
    first, total = [], []
    body = {"model": "paced", "stream": True, "messages": [{"role": "user", "content": "summarise the report"}]}
    async with httpx.AsyncClient(timeout=30) as client:
        for _ in range(n):
            t0 = time.perf_counter()
            seen = None
            async with client.stream("POST", url + "/v1/chat/completions", json=body,
                                     headers={"Authorization": f"Bearer {KEY}"}) as r:  # fmt: skip
                async for line in r.aiter_lines():
                    if seen is None and '"content":"' in line and '"content":""' not in line:
                        seen = time.perf_counter() - t0
            first.append((seen or 0) * 1000)
            total.append((time.perf_counter() - t0) * 1000)
    return first, total


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=40)
    ap.add_argument("--interval-ms", type=float, default=20)
    args = ap.parse_args()
    up = web.AppRunner(upstream_app(args.interval_ms / 1000))
    await up.setup()
    site = web.TCPSite(up, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    tmp = Path("/tmp") / f"bastion-ttft-{time.time_ns()}"
    tmp.mkdir()
    first_sentence = ANSWER.index(". ") + 2
    print(f"answer {len(ANSWER)} chars, first sentence {first_sentence} chars, 6 chars per {args.interval_ms} ms")
    for guarded in (False, True):
        runner, gport = await start_site(parse_config(config(f"http://127.0.0.1:{port}/v1", tmp / f"{guarded}.db",
                                                             guarded), env={}), "127.0.0.1", 0)  # fmt: skip
        first, total = await measure(f"http://127.0.0.1:{gport}", args.requests)
        label = "guarded  " if guarded else "unguarded"
        print(f"{label} TTFT p50 {percentile(first, 50):7.1f} ms p99 {percentile(first, 99):7.1f} ms | "
              f"total p50 {percentile(total, 50):7.1f} ms p99 {percentile(total, 99):7.1f} ms")  # fmt: skip
        await runner.cleanup()
    await up.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
