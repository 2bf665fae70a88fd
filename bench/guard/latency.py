"""Scoring latency per 2,000 characters, one core: p50 and p99 for each shipped check.

    .venv/bin/python bench/guard/latency.py [--runs 2000]

Texts are 2,000-character windows of the held-out sets and corpora, concatenated (mixed languages,
benign and not), so each call scores exactly 2,000 characters (five 400-character windows)."""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import orjson

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "src"))

from bastion.guard.registry import MODEL_CHECKS, Deps, build  # noqa: E402
from bastion.guard.stats import percentile  # noqa: E402


def texts(n: int) -> list[str]:
    pool = [orjson.loads(line)["text"] for f in sorted((HERE / "heldout").glob("*.jsonl"))
            for line in f.read_bytes().splitlines()]  # fmt: skip
    rng = random.Random(15)
    out = []
    for _ in range(n):
        rng.shuffle(pool)
        out.append(" ".join(pool)[:2000])
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=2000)
    args = ap.parse_args()
    samples = texts(50)
    for name, scorer in build(list(MODEL_CHECKS), Deps()).items():
        for text in samples[:10]:
            scorer.score(text)  # warm up
        times = []
        for i in range(args.runs):
            text = samples[i % len(samples)]
            t0 = time.thread_time_ns()
            scorer.score(text)
            times.append((time.thread_time_ns() - t0) / 1e6)
        print(f"{name}: p50 {percentile(times, 50):.3f} ms  p99 {percentile(times, 99):.3f} ms "
              f"per 2,000 chars ({args.runs} runs)")  # fmt: skip


if __name__ == "__main__":
    main()
