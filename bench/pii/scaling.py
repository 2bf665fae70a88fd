"""Detection time by text length: median ms per call at 500, 2,000, 8,000 and 32,000 characters.

Texts are the hand-written evaluation sets (bench/pii/data/*.jsonl) joined and cut to length, so they hold
names, IDs, dates and special-category statements in seven languages. One thread, one core; thread CPU time
is reported next to wall time because the shared machine is loaded. Usage: python bench/pii/scaling.py
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

from bastion.pii import PiiEngine

SIZES = (500, 2_000, 8_000, 32_000)


def corpus() -> str:
    texts = []
    for path in sorted((Path(__file__).resolve().parent / "data").glob("*.jsonl")):
        texts += [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines()]
    return "\n".join(texts)


def main() -> None:
    engine = PiiEngine()
    base = corpus()
    engine.detect(base[:1000])  # warm-up
    print(f"{'chars':>7} {'calls':>5} {'wall median ms':>15} {'cpu median ms':>14} {'ms per 500 chars':>17}")
    for size in SIZES:
        text = (base * (size // len(base) + 1))[:size]
        # different windows of the corpus, so no call sees the same text twice in a row
        starts = [(i * 997) % max(1, len(base) - size) if len(base) > size else 0 for i in range(16)]
        samples = [(base * 3)[s : s + size] if len(base) > size else text for s in starts]
        calls = max(10, 4_000 // max(1, size // 500))
        wall, cpu = [], []
        for i in range(calls):
            t = samples[i % len(samples)]
            w0, c0 = time.perf_counter(), time.thread_time()
            engine.detect(t)
            cpu.append(1000 * (time.thread_time() - c0))
            wall.append(1000 * (time.perf_counter() - w0))
        cpu_med = statistics.median(cpu)
        print(
            f"{size:7d} {calls:5d} {statistics.median(wall):15.3f} {cpu_med:14.3f} "
            f"{cpu_med / (size / 500):17.3f}"
        )


if __name__ == "__main__":
    main()
