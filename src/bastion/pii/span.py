"""The detection result type and the rule that turns overlapping candidates into a clean, sorted span list."""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable
from dataclasses import dataclass

from bastion.config.pii_settings import LABELS  # the labels the config validates against

SPECIAL_CATEGORIES: tuple[str, ...] = LABELS[-8:]


@dataclass(frozen=True, slots=True)
class Span:
    """A detected entity: ``text[start:end]`` is labelled ``label`` with confidence ``score`` (0..1)."""

    start: int
    end: int
    label: str
    score: float

    def to_dict(self) -> dict[str, object]:
        return {"start": self.start, "end": self.end, "label": self.label, "score": round(self.score, 3)}


def resolve_overlaps(candidates: Iterable[Span]) -> list[Span]:
    """Keep the best of overlapping candidates (higher score, longer, earlier); return sorted by start.

    Greedy in priority order; each accepted span is checked only against its sorted neighbours, so the cost
    is O(n log n) in the number of candidates.
    """
    ranked = sorted(candidates, key=lambda s: (-s.score, s.start - s.end, s.start))
    accepted: list[Span] = []
    starts: list[int] = []

    for span in ranked:
        if span.end <= span.start:
            continue
        i = bisect_left(starts, span.start)
        if i > 0 and accepted[i - 1].end > span.start:
            continue
        if i < len(accepted) and accepted[i].start < span.end:
            continue
        insort(starts, span.start)
        accepted.insert(i, span)
    return accepted


def outside_ranges(spans: Iterable[Span], ranges: list[tuple[int, int]]) -> list[Span]:
    """The spans that overlap none of ``ranges`` (sorted, non-overlapping ``(start, end)`` pairs, as
    ``re.finditer`` yields them). O((spans + ranges) log ranges): hostile texts full of placeholders
    must not make detection quadratic."""
    ends = [end for _, end in ranges]
    out = []
    for span in spans:
        i = bisect_right(ends, span.start)  # the first range ending after the span starts
        if i < len(ranges) and ranges[i][0] < span.end:
            continue
        out.append(span)
    return out
