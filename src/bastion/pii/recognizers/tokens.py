"""Word tokens for the gazetteer recognizers: one linear regex pass, with the facts each recognizer needs."""

from __future__ import annotations

import re
from typing import NamedTuple

# Cap on tokens looked at per text (bounds gazetteer work on huge inputs).
MAX_TOKENS = 200_000
# A word: letters, optionally joined by apostrophes/hyphens (O'Brien, Jean-Luc); or an initial such as "J.".
WORD = re.compile(r"(?<![^\W\d_])[^\W\d_]{1,40}(?:['\u2019-][^\W\d_]{1,40}){0,3}\.?")


class Token(NamedTuple):
    """A word (a tuple: cheap to build, immutable)."""

    start: int
    end: int
    text: str  # without a trailing dot
    lower: str
    dotted: bool
    capitalised: bool

    @property
    def shouting(self) -> bool:
        return len(self.text) > 1 and self.text.isupper()

    @property
    def initial(self) -> bool:
        return len(self.text) == 1 and self.text.isupper()


def tokenize(text: str, limit: int) -> list[Token]:
    """Tokens of ``text`` (at most ``limit`` of them, to cap work on huge inputs)."""
    out: list[Token] = []
    for m in WORD.finditer(text):
        word = m.group()
        dotted = word.endswith(".")
        core = word[:-1] if dotted else word
        if core[-2:] in {"'s", "\u2019s"}:
            core, dotted = core[:-2], False
        start = m.start()
        out.append(Token(start, start + len(core), core, core.lower(), dotted, core[0].isupper()))
        if len(out) >= limit:
            break
    return out
