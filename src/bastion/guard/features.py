"""Text features shared by training (`bench/guard/train.py`) and scoring (`bastion.guard.linear`): the
same function builds both, so a model scores exactly what it was trained on.

A text becomes a set of strings: word unigrams and bigrams, and character 4-grams across the folded word
sequence (word boundaries marked by one space), all on a folded form (lower case, accents removed, digits kept). Features are binary
and the weight sum is divided by sqrt(number of distinct features) (L2 normalisation of a binary vector).
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"\w+")
_FOLD = str.maketrans({"’": "'", "‘": "'", "ß": "ss", "0": "o", "1": "i", "3": "e", "4": "a", "@": "a",
                       "$": "s"})  # fmt: skip


def fold(text: str) -> str:
    """Lower case, typographic quotes and common leetspeak undone, accents removed."""
    text = text.lower().translate(_FOLD)
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def features(text: str) -> set[str]:
    words = _WORD.findall(fold(text))
    out = set(words)
    out.update([a + " " + b for a, b in zip(words, words[1:], strict=False)])
    joined = " " + " ".join(words) + " "
    out.update([joined[i : i + 4] for i in range(len(joined) - 3)])
    return out
