"""Score the detector against a span-labelled JSON-lines file: ``bastion pii eval FILE.jsonl``.

Each line: ``{"text": "...", "spans": [{"start": 0, "end": 5, "label": "PERSON"}, ...]}`` (character
offsets, end exclusive). Measured the way the project's benchmark measures (bench/pii/RESULTS.md):

- a gold span is found (recall) when a prediction of the same label shares at least one character with it;
  a prediction is correct (precision) when it shares a character with a gold span of its label;
- "exact" counts only identical start, end and label;
- "protected" (R_any): the gold span is overlapped by a prediction of ANY label (what masking needs);
- F2 = 5PR / (4P + R), recall weighted;
- no-PII false-alarm rate: the share of texts without any gold span in which anything was flagged.

Gold spans labelled ``OTHER`` are not scored, and predictions that touch only such spans are ignored.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bastion.pii.span import LABELS, Span

Detect = Callable[[str], Sequence[Span]]
_COUNTS = ("gold", "pred", "tp_gold", "tp_pred", "exact", "protected")


class EvalInputError(ValueError):
    """A line of the evaluation file is not a valid record (message names the line)."""


@dataclass(frozen=True, slots=True)
class Record:
    text: str
    spans: tuple[tuple[int, int, str], ...]
    language: str | None = None


@dataclass
class Tally:
    """Counts per label, plus the texts without gold spans and how many of them were flagged."""

    counts: dict[str, dict[str, int]] = field(
        default_factory=lambda: defaultdict(lambda: dict.fromkeys(_COUNTS, 0))
    )
    negatives: int = 0
    negatives_flagged: int = 0
    records: int = 0
    misses: list[tuple[str, str]] = field(default_factory=list)  # (label, gold text) not found
    false_alarms: list[tuple[str, str]] = field(default_factory=list)  # (label, predicted text) wrong

    def add(self, record: Record, predicted: Iterable[Span], labels: frozenset[str] | None) -> None:
        self.records += 1
        unscored = [(a, b) for a, b, lab in record.spans if lab == "OTHER" or (labels and lab not in labels)]
        gold = [(a, b, lab) for a, b, lab in record.spans if lab != "OTHER" and (not labels or lab in labels)]
        preds = sorted(
            {
                (s.start, s.end, s.label)
                for s in predicted
                if (not labels or s.label in labels)
                and not (_touches(s.start, s.end, unscored) and not _touches(s.start, s.end, gold))
            }
        )
        if not record.spans:
            self.negatives += 1
            self.negatives_flagged += bool(preds)
        exact = set(preds)
        for a, b, lab in gold:
            c = self.counts[lab]
            c["gold"] += 1
            c["exact"] += (a, b, lab) in exact
            hit = any(pl == lab and pa < b and a < pb for pa, pb, pl in preds)
            c["tp_gold"] += hit
            if not hit:
                self.misses.append((lab, record.text[a:b]))
            c["protected"] += any(pa < b and a < pb for pa, pb, _ in preds)
        for a, b, lab in preds:
            c = self.counts[lab]
            c["pred"] += 1
            ok = any(gl == lab and a < gb and ga < b for ga, gb, gl in gold)
            c["tp_pred"] += ok
            if not ok:
                self.false_alarms.append((lab, record.text[a:b]))

    def report(self) -> dict[str, Any]:
        order = {lab: i for i, lab in enumerate(LABELS)}
        ordered = sorted(self.counts, key=lambda x: (order.get(x, 99), x))
        rows = {lab: _metrics(self.counts[lab]) for lab in ordered}
        total = dict.fromkeys(_COUNTS, 0)
        for c in self.counts.values():
            for k in _COUNTS:
                total[k] += c[k]
        return {
            "records": self.records,
            "labels": rows,
            "all": _metrics(total),
            "no_pii_texts": self.negatives,
            "no_pii_flagged": self.negatives_flagged,
            "no_pii_false_alarm_rate": self.negatives_flagged / self.negatives if self.negatives else 0.0,
        }


def _touches(a: int, b: int, spans: Iterable[tuple[int, int]] | Iterable[tuple[int, int, str]]) -> bool:
    return any(s[0] < b and a < s[1] for s in spans)


def f2(precision: float, recall: float) -> float:
    return 5 * precision * recall / (4 * precision + recall) if precision + recall else 0.0


def _metrics(c: dict[str, int]) -> dict[str, float | int]:
    p = c["tp_pred"] / c["pred"] if c["pred"] else 0.0
    r = c["tp_gold"] / c["gold"] if c["gold"] else 0.0
    pe = c["exact"] / c["pred"] if c["pred"] else 0.0
    re_ = c["exact"] / c["gold"] if c["gold"] else 0.0
    return {
        "gold": c["gold"],
        "pred": c["pred"],
        "precision": p,
        "recall": r,
        "f2": f2(p, r),
        "precision_exact": pe,
        "recall_exact": re_,
        "f2_exact": f2(pe, re_),
        "recall_any_label": c["protected"] / c["gold"] if c["gold"] else 0.0,
    }


def parse_record(line: str, lineno: int) -> Record:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise EvalInputError(f"line {lineno}: not JSON ({exc.msg})") from None
    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
        raise EvalInputError(f'line {lineno}: expected an object with a string "text"')
    raw = obj.get("spans", [])
    if not isinstance(raw, list):
        raise EvalInputError(f'line {lineno}: "spans" must be a list')
    text = obj["text"]
    spans = []
    for i, s in enumerate(raw):
        if not isinstance(s, dict):
            raise EvalInputError(f"line {lineno}: span {i} is not an object")
        a, b, lab = s.get("start"), s.get("end"), s.get("label")
        if not isinstance(a, int) or not isinstance(b, int) or not isinstance(lab, str):
            raise EvalInputError(f'line {lineno}: span {i} needs integer "start", "end" and a string "label"')
        if not 0 <= a < b <= len(text):
            raise EvalInputError(
                f"line {lineno}: span {i} ({a}, {b}) is outside the text ({len(text)} chars)"
            )
        spans.append((a, b, lab.upper()))
    lang = obj.get("lang", obj.get("language"))
    return Record(text, tuple(spans), lang if isinstance(lang, str) else None)


def read_records(lines: Iterable[str]) -> list[Record]:
    return [parse_record(line, n) for n, line in enumerate(lines, 1) if line.strip()]


def evaluate(
    records: Sequence[Record],
    detect: Detect,
    labels: frozenset[str] | None = None,
    by_language: bool = False,
    examples: int = 0,
) -> dict[str, Any]:
    """Run ``detect`` on every record and score it; with ``by_language`` also one report per ``lang``
    (the record's optional ``"lang"`` field); ``examples`` adds that many misses and false alarms."""
    overall = Tally()
    per_lang: dict[str, Tally] = defaultdict(Tally)
    for record in records:
        predicted = detect(record.text)
        overall.add(record, predicted, labels)
        if by_language:
            per_lang[record.language or "unknown"].add(record, predicted, labels)
    out = overall.report()
    if examples:
        out["misses"] = [{"label": lab, "text": t} for lab, t in overall.misses[:examples]]
        out["false_alarms"] = [{"label": lab, "text": t} for lab, t in overall.false_alarms[:examples]]
    if by_language:
        out["by_language"] = {lang: t.report() for lang, t in sorted(per_lang.items())}
    return out


def format_report(report: dict[str, Any], title: str = "") -> str:
    lines = [title] if title else []
    lines.append(
        f"{'label':20s} {'gold':>5s} {'pred':>5s}   {'P':>5s} {'R':>5s} {'F2':>5s}"
        f"   {'P_ex':>5s} {'R_ex':>5s}  {'R_any':>5s}"
    )
    rows = [*report["labels"].items(), ("ALL (micro)", report["all"])]
    for lab, m in rows:
        lines.append(
            f"{lab:20s} {m['gold']:5d} {m['pred']:5d}   {m['precision']:.3f} {m['recall']:.3f} {m['f2']:.3f}"
            f"   {m['precision_exact']:.3f} {m['recall_exact']:.3f}  {m['recall_any_label']:.3f}"
        )
    lines.append(
        f"no-PII texts flagged: {report['no_pii_flagged']}/{report['no_pii_texts']}"
        f" = {report['no_pii_false_alarm_rate']:.3f}"
    )
    for key, name in (("misses", "missed"), ("false_alarms", "false alarm")):
        for ex in report.get(key, []):
            lines.append(f"  {name}: {ex['label']} {ex['text']!r}")
    return "\n".join(lines)
