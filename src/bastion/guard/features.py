"""Text features shared by training (`bench/guard/train.py`) and scoring (`bastion.guard.linear`): the
same function builds both, so a model scores exactly what it was trained on.

A text becomes a list of strings: word unigrams and bigrams, and character 4-grams across the word
sequence (word boundaries marked by one space), all on a folded form (lower case, accents removed). A
model's logit is its bias plus the sum of the weights of every occurrence, divided by the square root of
the number of occurrences (no set is built: one dict probe per occurrence is the whole cost).
"""

from __future__ import annotations

import re
import unicodedata
from itertools import pairwise

_WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    """Lower case, accents removed (NFKD, then ASCII only: "größe" -> "grosse", "café" -> "cafe").
    Letters of non-Latin scripts are dropped: the shipped models cover Latin-script languages."""
    text = text.lower()
    if text.isascii():
        return text
    text = text.replace("ß", "ss").replace("\u2019", "'")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def features(text: str) -> list[str]:
    """Every feature occurrence (repeats kept: the model is linear in counts)."""
    words = _WORD.findall(fold(text))
    joined = " " + " ".join(words) + " "
    bigrams = [a + " " + b for a, b in pairwise(words)]
    return words + bigrams + [joined[i : i + 4] for i in range(len(joined) - 3)]
