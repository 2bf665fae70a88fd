"""Load client for the in-process profiles: POSTs OpenAI chat requests to a gateway, either a fixed number at
a fixed concurrency, or at a fixed rate for a duration (the memory soak). Runs in its own process.

    python bench/profile/client.py URL --requests 2000 --conc 1 [--stream] [--unique] --prompt-file F
    python bench/profile/client.py URL --rate 1000 --seconds 1800 --conc 64 ...

``--unique`` makes every request's user text different (a short letter code appended), so no cache of
earlier texts can answer it: the cost of scanning new text. Prints one JSON line: requests, errors, seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import string
import sys
import time

import aiohttp
import orjson

SYSTEM = "You are a concise assistant."


def nonce(i: int) -> str:
    letters = string.ascii_lowercase
    out = []
    for _ in range(6):
        i, r = divmod(i, 26)
        out.append(letters[r])
    return "".join(out)


def body(prompt: str, stream: bool, i: int | None) -> bytes:
    text = prompt if i is None else f"{prompt} [ref {nonce(i)}]"
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": text}]
    return orjson.dumps(
        {"model": "mock-gpt", "max_tokens": 64, "temperature": 0.2, "stream": stream, "messages": messages}
    )


async def run(args: argparse.Namespace, prompt: str) -> dict[str, float]:
    headers = {"Authorization": f"Bearer {args.key}", "Content-Type": "application/json"}
    fixed = body(prompt, args.stream, None)
    counter = iter(range(10**9))
    done = errors = 0
    deadline = time.monotonic() + args.seconds if args.rate else None
    interval = args.conc / args.rate if args.rate else 0.0
    remaining = args.requests

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal done, errors, remaining
        next_at = time.monotonic()
        while True:
            if deadline is None:
                if remaining <= 0:
                    return
                remaining -= 1
            elif time.monotonic() >= deadline:
                return
            i = next(counter)
            new = args.unique or (args.unique_every and i % args.unique_every == 0)
            data = body(prompt, args.stream, i + args.offset) if new else fixed
            try:
                async with session.post(args.url, data=data, headers=headers) as resp:
                    await resp.read()
                    errors += resp.status != 200
            except aiohttp.ClientError:
                errors += 1
            done += 1
            if interval:
                next_at += interval
                delay = next_at - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)

    t0 = time.monotonic()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=args.conc)) as session:
        await asyncio.gather(*(worker(session) for _ in range(args.conc)))
    return {"requests": done, "errors": errors, "seconds": round(time.monotonic() - t0, 3)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("url")
    ap.add_argument("--prompt-file", required=True)
    ap.add_argument("--requests", type=int, default=1000)
    ap.add_argument("--conc", type=int, default=1)
    ap.add_argument("--stream", action="store_true")
    ap.add_argument("--unique", action="store_true", help="a different user text in every request")
    ap.add_argument("--unique-every", type=int, default=0, help="a different user text every N-th request")
    ap.add_argument("--offset", type=int, default=0, help="first unique text's number")
    ap.add_argument("--rate", type=float, default=0.0, help="requests per second (with --seconds)")
    ap.add_argument("--seconds", type=float, default=0.0)
    ap.add_argument("--key", default="bench-admin-key-0123456789abcdef")
    args = ap.parse_args()
    with open(args.prompt_file, encoding="utf-8") as f:
        prompt = f.read().strip()
    result = asyncio.run(run(args, prompt))
    sys.stdout.write(orjson.dumps(result).decode() + "\n")


if __name__ == "__main__":
    main()
