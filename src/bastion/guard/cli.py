"""`bastion guard scan` and `bastion guard eval` (docs/guardrails.md).

    bastion guard scan [--checks prompt_injection,toxicity] [--config FILE]
        stdin: JSON lines {"text": ...}; stdout: one line per input
        {"results": {"prompt_injection": {"score": 0.97, "flagged": true}, ...}}
    bastion guard eval FILE.jsonl --check NAME [--threshold T] [--json]
        lines {"text", "label"}: precision, recall, false-positive rate (95 % Wilson intervals), latency
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

import orjson

from bastion.guard.registry import MODEL_CHECKS, Deps, Scorer, build
from bastion.guard.stats import Confusion, percentile

EXIT_USAGE = 2


def _setup(names: list[str] | None, config_path: str | None) -> tuple[dict[str, Scorer], dict[str, float]]:
    """The checks to run and their thresholds (config first, then each check's default)."""
    thresholds: dict[str, float] = {}
    detect = None
    configured: list[str] = []
    if config_path is not None:
        from bastion.config import load_config

        config = load_config(config_path)
        for name, check in config.guardrails.checks().items():
            if name == "judge":
                continue
            configured.append(name)
            if check.threshold is not None:
                thresholds[name] = check.threshold
        wanted = names or configured or list(MODEL_CHECKS)
        if any(n in ("pii", "secrets") for n in wanted) and config.pii.enabled:
            from bastion.pii import PiiEngine

            detect = PiiEngine(config.pii).detect
    else:
        wanted = names or list(MODEL_CHECKS)
    if any(n in ("pii", "secrets") for n in wanted) and detect is None and config_path is None:
        from bastion.config.pii import PiiConfig
        from bastion.pii import PiiEngine

        detect = PiiEngine(PiiConfig()).detect
    if "judge" in wanted:
        raise ValueError("the judge calls a model through a running gateway: it is not available offline")
    scorers = build(wanted, Deps(detect=detect))
    for name, scorer in scorers.items():
        thresholds.setdefault(name, scorer.threshold)
    return scorers, thresholds


def _names(value: str | None) -> list[str] | None:
    if not value:
        return None
    return [n.strip() for n in value.split(",") if n.strip()]


def cmd_scan(args: argparse.Namespace) -> int:
    try:
        scorers, thresholds = _setup(_names(args.checks), args.config)
    except Exception as exc:  # unknown check, bad config: one clear line
        print(f"guard scan: {exc}", file=sys.stderr)
        return EXIT_USAGE
    out = sys.stdout.buffer
    failed = 0
    for n, line in enumerate(sys.stdin.buffer, 1):
        if not line.strip():
            continue
        try:
            doc = orjson.loads(line)
            text = doc["text"] if isinstance(doc, dict) else None
            if not isinstance(text, str):
                raise ValueError('expected an object with a string "text"')
        except (orjson.JSONDecodeError, KeyError, ValueError) as exc:
            failed += 1
            out.write(orjson.dumps({"error": f"line {n}: {exc}"}) + b"\n")
            continue
        results: dict[str, Any] = {}
        for name, scorer in scorers.items():
            score = scorer.score(text)
            results[name] = {"score": round(score, 4), "flagged": score >= thresholds[name]}
        out.write(orjson.dumps({"results": results}) + b"\n")
        out.flush()
    return 1 if failed else 0


def cmd_eval(args: argparse.Namespace) -> int:
    try:
        scorers, thresholds = _setup([args.check], args.config)
    except Exception as exc:
        print(f"guard eval: {exc}", file=sys.stderr)
        return EXIT_USAGE
    scorer = scorers[args.check]
    threshold = args.threshold if args.threshold is not None else thresholds[args.check]
    try:
        rows = [orjson.loads(line) for line in open(args.file, "rb") if line.strip()]  # noqa: SIM115
        pairs = [(str(r["text"]), bool(int(r["label"]))) for r in rows]
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        print(f"guard eval: {args.file}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    confusion = Confusion()
    latencies: list[float] = []
    for text, label in pairs:
        t0 = time.perf_counter()
        score = scorer.score(text)
        latencies.append((time.perf_counter() - t0) * 1000)
        confusion.add(score >= threshold, label)
    rates = confusion.rates()
    report = {
        "check": args.check, "file": args.file, "threshold": threshold, "n": len(pairs),
        "tp": confusion.tp, "fp": confusion.fp, "tn": confusion.tn, "fn": confusion.fn, **rates,
        "latency_ms": {"p50": percentile(latencies, 50), "p99": percentile(latencies, 99)},
    }  # fmt: skip
    if args.json:
        print(orjson.dumps(report).decode())
        return 0
    print(f"{args.check} on {args.file}: {len(pairs)} texts, threshold {threshold}")
    print(f"  tp {confusion.tp}  fp {confusion.fp}  tn {confusion.tn}  fn {confusion.fn}")
    for key in ("precision", "recall", "fpr"):
        r = rates[key]
        value = "n/a" if r["value"] is None else f"{r['value']:.3f}"
        print(f"  {key:<9} {value}  (95% CI {r['low']:.3f}-{r['high']:.3f}, n={r['n']})")
    lat = report["latency_ms"]
    print(f"  latency  p50 {lat['p50']:.3f} ms  p99 {lat['p99']:.3f} ms per text")
    return 0


def register(sub: Any) -> None:
    guard = sub.add_parser("guard", help="content checks: scan texts, evaluate a check on labelled data")
    gsub = guard.add_subparsers(dest="guard_command", required=True)
    scan = gsub.add_parser("scan", help='score JSON lines {"text": ...} from stdin, one result line each')
    scan.add_argument("--checks", help="comma-separated (default: prompt_injection,toxicity or the config's)")
    scan.add_argument("--config", help="a Bastion config file: its guardrails thresholds and PII settings")
    scan.set_defaults(func=cmd_scan)
    ev = gsub.add_parser("eval", help='precision, recall, FPR and latency on lines {"text", "label"}')
    ev.add_argument("file")
    ev.add_argument("--check", required=True)
    ev.add_argument("--threshold", type=float, help="default: the config's or the check's own")
    ev.add_argument("--config", help="a Bastion config file (thresholds, PII settings)")
    ev.add_argument("--json", action="store_true", help="one JSON object instead of the table")
    ev.set_defaults(func=cmd_eval)
