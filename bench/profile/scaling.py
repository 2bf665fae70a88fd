"""CPU per request by prompt length: 500, 2,000, 8,000 and 32,000 characters of PII-dense text (the
harness's 500-character ticket repeated), every request a new text (``--unique``: no cache answers), through
the in-process gateway of `stages.py`. Also the PII detection alone (``PiiEngine.scan``, thread CPU) on the
same texts. Linear means: the cost per 1,000 characters stays flat as the text grows.

    .venv/bin/python bench/profile/scaling.py [--gateway bastion-guard] [--requests 300]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

HERE = Path(__file__).resolve().parent
SIZES = (500, 2_000, 8_000, 32_000)


def text_of(base: str, size: int) -> str:
    return ((base + "\n\n") * (size // len(base) + 2))[:size]


def detection_ms(text: str, calls: int) -> float:
    from bastion.pii import PiiEngine

    engine = PiiEngine()
    engine.scan(text)
    best = float("inf")
    for _ in range(3):
        t0 = time.thread_time()
        for i in range(calls):
            engine.scan(f"{text} {i}")
        best = min(best, (time.thread_time() - t0) / calls * 1000)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gateway", default="bastion-guard")
    ap.add_argument("--prompt-file", default="/work/shared/bench/prompts/ticket-pii-500.txt")
    ap.add_argument("--requests", type=int, default=300, help="at 500 characters; fewer for longer texts")
    args = ap.parse_args()
    base = Path(args.prompt_file).read_text(encoding="utf-8").strip()
    rows = []
    for size in SIZES:
        text = text_of(base, size)
        n = max(40, args.requests * 500 // size)
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
            f.write(text)
        cmd = [sys.executable, str(HERE / "stages.py"), "--gateway", args.gateway, "--prompt-file", f.name,
               "--requests", str(n), "--warmup", str(max(20, n // 5)), "--unique", "--json"]  # fmt: skip
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        result = orjson.loads(out.strip().splitlines()[-1])
        Path(f.name).unlink()
        rows.append((size, n, result["process_cpu_us_per_req"] / 1000, detection_ms(text, max(5, n // 4))))
    first = rows[0]
    print(f"gateway {args.gateway}, new text in every request, concurrency 1\n")
    print(
        "| characters | requests | gateway CPU ms/request | more than at 500 | PII detection ms "
        "| detection ms per 1,000 chars |"
    )
    print("|---|---|---|---|---|---|")
    for size, n, cpu, det in rows:
        print(f"| {size:,} | {n} | {cpu:.2f} | {cpu - first[2]:+.2f} | {det:.2f} | {det / size * 1000:.2f} |")


if __name__ == "__main__":
    main()
