"""Figures for `bastion guard eval` and bench/guard: confusion counts, rates with 95 % Wilson intervals,
percentiles."""

from __future__ import annotations

import math
from dataclasses import dataclass

Z95 = 1.959964


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a proportion (0/0: the whole range)."""
    if n == 0:
        return (0.0, 1.0)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of unsorted values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(slots=True)
class Confusion:
    tp: int = 0
    fp: int = 0
    tn: int = 0
    fn: int = 0

    def add(self, flagged: bool, label: bool) -> None:
        if flagged and label:
            self.tp += 1
        elif flagged:
            self.fp += 1
        elif label:
            self.fn += 1
        else:
            self.tn += 1

    def rates(self) -> dict[str, dict[str, float | None]]:
        def rate(k: int, n: int) -> dict[str, float | None]:
            lo, hi = wilson(k, n)
            return {"value": k / n if n else None, "low": lo, "high": hi, "n": n}

        return {
            "precision": rate(self.tp, self.tp + self.fp),
            "recall": rate(self.tp, self.tp + self.fn),
            "fpr": rate(self.fp, self.fp + self.tn),
        }
