"""`outside_ranges`: the linear-time replacement for the quadratic overlap filter (engine and response
scan); checked against the obvious definition."""

from __future__ import annotations

import random

import pytest

from bastion.pii.span import Span, outside_ranges


def _naive(spans: list[Span], ranges: list[tuple[int, int]]) -> list[Span]:
    return [s for s in spans if not any(a < s.end and s.start < b for a, b in ranges)]


@pytest.mark.parametrize(
    ("span", "ranges", "kept"),
    [
        ((0, 5), [], True),
        ((0, 5), [(5, 9)], True),  # touching is not overlapping
        ((5, 9), [(0, 5)], True),
        ((3, 6), [(0, 5)], False),
        ((3, 6), [(5, 9)], False),
        ((2, 3), [(0, 9)], False),  # inside
        ((0, 9), [(2, 3)], False),  # around
        ((6, 7), [(0, 5), (8, 9)], True),  # between two
        ((4, 9), [(0, 5), (8, 9)], False),
    ],
)
def test_table(span: tuple[int, int], ranges: list[tuple[int, int]], kept: bool) -> None:
    s = Span(span[0], span[1], "PERSON", 0.9)
    assert outside_ranges([s], ranges) == ([s] if kept else [])


def test_matches_the_definition() -> None:
    rng = random.Random(4)
    for _ in range(300):
        cuts = sorted(rng.sample(range(200), 2 * rng.randint(0, 8)))
        ranges = list(zip(cuts[::2], cuts[1::2], strict=True))
        spans = []
        for _ in range(20):
            a = rng.randrange(200)
            spans.append(Span(a, a + rng.randint(1, 15), "EMAIL", 0.9))
        assert outside_ranges(spans, ranges) == _naive(spans, ranges)
