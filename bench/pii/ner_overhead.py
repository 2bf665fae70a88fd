"""Cost of the optional NER backend's spaCy machinery, measured without downloading a model.

A statistical pipeline (``en_core_web_sm`` and the like) cannot be installed here: spaCy's own model packages
are not published on PyPI, and the gateway never downloads a model at run time. What every spaCy pipeline
pays is still measurable: the tokenizer, the ``Doc`` and the engine's merge of NER spans. This script builds
a real pipeline locally (``spacy.blank("en")`` plus an ``entity_ruler`` with ``--patterns`` phrase patterns
drawn from the shipped name list), saves it to a temporary directory, loads it by path through
``PiiSettings(ner={"model": path})`` exactly as the gateway config does, and times ``PiiEngine.detect`` on
the same ~500-character prompts as ``latency.py``, with and without the backend (CPU time, one thread).

    python bench/pii/ner_overhead.py [--patterns 2000]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import tempfile
import time
from pathlib import Path

import spacy
from latency import prompts  # bench/pii/latency.py (this script's folder is on sys.path)

from bastion.pii import PiiEngine, PiiSettings
from bastion.pii.gazetteer import load_gazetteer


def build_pipeline(path: Path, n_patterns: int) -> None:
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    all_names = sorted(load_gazetteer().last_names)
    names = all_names[:: max(1, len(all_names) // n_patterns)]
    ruler.add_patterns([{"label": "PERSON", "pattern": name} for name in names[:n_patterns]])
    nlp.to_disk(path)


def cpu_ms(engine: PiiEngine, items: list[str], rounds: int = 5) -> tuple[float, float]:
    """(p50, p99) CPU milliseconds per call, best of ``rounds`` (GC off while timing)."""
    best: tuple[float, float] | None = None
    for _ in range(rounds):
        times = []
        gc.disable()
        try:
            for text in items:
                started = time.thread_time_ns()
                engine.detect(text)
                times.append((time.thread_time_ns() - started) / 1e6)
        finally:
            gc.enable()
        times.sort()
        result = (statistics.median(times), times[int(0.99 * len(times))])
        best = result if best is None or result < best else best
    assert best is not None
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patterns", type=int, default=2000)
    parser.add_argument("--gold", default="/work/shared/data/pii/dev.jsonl")
    args = parser.parse_args()
    items = prompts(Path(args.gold))
    builtin = PiiEngine(PiiSettings())
    with tempfile.TemporaryDirectory() as tmp:
        build_pipeline(Path(tmp), args.patterns)
        started = time.perf_counter()
        with_ner = PiiEngine(PiiSettings(ner={"model": tmp}))
        load_ms = (time.perf_counter() - started) * 1000
        for engine in (builtin, with_ner):
            for text in items:
                engine.detect(text)
        base50, base99 = cpu_ms(builtin, items)
        ner50, ner99 = cpu_ms(with_ner, items)
    chars = sum(map(len, items)) / len(items)
    print(f"{len(items)} prompts of ~{chars:.0f} chars; CPU ms per call, best of 5")
    print(f"built-in only                      p50 {base50:.3f}  p99 {base99:.3f}")
    print(f"built-in + blank+ruler ({args.patterns} pat.) p50 {ner50:.3f}  p99 {ner99:.3f}")
    print(f"spaCy overhead                     p50 +{ner50 - base50:.3f}  p99 +{ner99 - base99:.3f}")
    print(f"pipeline load (from disk, by path) {load_ms:.0f} ms")


if __name__ == "__main__":
    main()
