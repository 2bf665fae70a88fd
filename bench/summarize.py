#!/usr/bin/env python3
"""Medians over repeats and ratios against the floor proxy, from a harness results folder.

  python3 bench/summarize.py bench/results/<run> [--floor floor-aiohttp] [--api openai] [--upstream fast]

Per cell (gateway x stream x concurrency): median req/s, p50/p99, added p50/p99 vs direct (same repeat),
gateway CPU ms/req, and two ratios against the floor, each taken within one repeat and then the median:
  rps ratio  = gateway req/s / floor req/s
  cpu ratio  = floor CPU ms/req / gateway CPU ms/req  (the single-core capacity ratio; less sensitive to
               other load on the machine than req/s, since it counts only the gateway's own CPU time)
Then, per cell, each gateway's least disturbed repeat: its minimum CPU ms/req over the repeats, and the
floor's minimum divided by the gateway's (the steadiest estimate on a VM whose speed drifts between cells).
Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics


def med(xs: list[float]) -> float | None:
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt(x: float | None, nd: int = 2) -> str:
    return "-" if x is None else f"{x:,.{nd}f}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("run")
    ap.add_argument("--floor", default="floor-aiohttp")
    ap.add_argument("--api", default="openai")
    ap.add_argument("--upstream", default="fast")
    a = ap.parse_args()
    with open(os.path.join(a.run, "results.jsonl")) as f:
        rows = [json.loads(line) for line in f]
    rows = [r for r in rows if r["api"] == a.api and r["upstream"] == a.upstream]
    by = {(r["gateway"], r["stream"], r["conc"], r["repeat"]): r for r in rows}
    gateways = list(dict.fromkeys(r["gateway"] for r in rows))
    cells = sorted({(r["stream"], r["conc"]) for r in rows})
    repeats = sorted({r["repeat"] for r in rows})
    print(
        f"{len(repeats)} repeat(s); medians over repeats; "
        f"ratios vs {a.floor} taken per repeat, then median.\n"
    )
    print(
        "| stream | conc | gateway | req/s | p50 ms | p99 ms | added p50 | added p99 | gw CPU ms/req "
        f"| req/s ÷ {a.floor} | CPU ratio | errors |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for stream, conc in cells:
        for g in gateways:
            rs = [by[(g, stream, conc, k)] for k in repeats if (g, stream, conc, k) in by]
            if not rs:
                continue
            ratio, cpu_ratio = [], []
            for r in rs:
                fl = by.get((a.floor, stream, conc, r["repeat"]))
                if fl and g not in (a.floor, "direct"):
                    ratio.append(r["rps"] / fl["rps"] if fl["rps"] else None)
                    if fl.get("gw_cpu_ms_per_req") and r.get("gw_cpu_ms_per_req"):
                        cpu_ratio.append(fl["gw_cpu_ms_per_req"] / r["gw_cpu_ms_per_req"])
            print(
                f"| {int(stream)} | {conc} | {g} | {fmt(med([r['rps'] for r in rs]), 0)} "
                f"| {fmt(med([r['p50_ms'] for r in rs]))} | {fmt(med([r['p99_ms'] for r in rs]))} "
                f"| {fmt(med([r.get('ovh_p50_ms') for r in rs]))} "
                f"| {fmt(med([r.get('ovh_p99_ms') for r in rs]))} "
                f"| {fmt(med([r.get('gw_cpu_ms_per_req') for r in rs]), 3)} "
                f"| {fmt(med(ratio)) if ratio else '-'} | {fmt(med(cpu_ratio)) if cpu_ratio else '-'} "
                f"| {sum(r['errors'] for r in rs)} |"
            )
    least_disturbed(by, gateways, cells, repeats, a.floor)
    meta_path = os.path.join(a.run, "meta.json")
    if os.path.exists(meta_path):
        with open(meta_path) as f:
            meta = json.load(f)
        print(
            f"\nrun {meta.get('started')}: duration {meta['args']['duration']} s "
            f"+ {meta['args']['warmup']} s "
            f"warm-up per cell; {meta['env'].get('pinning')}; cpu {meta['env'].get('cpu', '').strip()}, "
            f"{meta['env'].get('cores')} cores"
        )
        for name, info in meta.get("gateways", {}).items():
            print(f"- {name}: {info}")
        for failure in meta.get("failures", []):
            print(f"- FAILURE: {failure}")


def _lowest_cpu(by: dict, g: str, stream: float, conc: int, repeats: list) -> float | None:
    xs = [by[(g, stream, conc, k)].get("gw_cpu_ms_per_req") for k in repeats if (g, stream, conc, k) in by]
    xs = [x for x in xs if x]
    return min(xs) if xs else None


def least_disturbed(by: dict, gateways: list[str], cells: list, repeats: list, floor: str) -> None:
    others = [g for g in gateways if g not in (floor, "direct")]
    if not others or len(repeats) < 2:
        return
    print(f"\nLeast disturbed repeat: minimum gateway CPU ms/req over {len(repeats)} repeats;")
    print(f"ratio = {floor}'s minimum ÷ the gateway's.\n")
    print(f"| stream | conc | {floor} | " + " | ".join(f"{g} | ratio" for g in others) + " |")
    print("|---|---|---|" + "---|---|" * len(others))
    for stream, conc in cells:
        fl = _lowest_cpu(by, floor, stream, conc, repeats)
        parts = []
        for g in others:
            v = _lowest_cpu(by, g, stream, conc, repeats)
            parts.append(f"{fmt(v, 3)} | {fmt(fl / v) if fl and v else '-'}")
        print(f"| {int(stream)} | {conc} | {fmt(fl, 3)} | " + " | ".join(parts) + " |")


if __name__ == "__main__":
    main()
