"""One Aho-Corasick pass finds exactly the needles a substring search per needle finds."""

from __future__ import annotations

import random

from bastion.pii import PiiEngine
from bastion.pii.needles import Needles


def test_same_needles_as_one_search_each() -> None:
    engine = PiiEngine()
    words = sorted({n for r in engine._plan for n in r[0].all_needles})
    needles = Needles(words)
    rng = random.Random(7)
    pieces = [*words, " ", "x", "ß", "İ", "\n", "0"]
    for _ in range(300):
        lower = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 40))).lower()
        assert needles.present(lower) == frozenset(w for w in words if w in lower)


def test_overlapping_and_nested_needles() -> None:
    needles = Needles(["pass", "password", "sword", "word"])
    assert needles.present("my password") == {"pass", "password", "sword", "word"}


def test_empty_needle_is_always_present() -> None:
    assert Needles(["", "abc"]).present("xyz") == {""}
    assert Needles([]).present("abc") == frozenset()
