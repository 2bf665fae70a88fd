"""Word tokens for the gazetteer recognizers: one linear regex pass, with the facts each recognizer needs."""

from __future__ import annotations

import re
from typing import NamedTuple

# Cap on tokens looked at per text (bounds gazetteer work on huge inputs).
MAX_TOKENS = 200_000
# A word: letters, optionally joined by apostrophes/hyphens (O'Brien, Jean-Luc); or an initial such as "J.".
# The first letter comes before the "no letter before it" look-behind so that the regex engine can skip to
# candidate positions by character class (a leading look-behind would be tried at every position).
WORD = re.compile(r"[^\W\d_](?<![^\W\d_].)[^\W\d_]{0,39}(?:['\u2019-][^\W\d_]{1,40}){0,3}\.?")
_POSSESSIVE = frozenset({"'s", "\u2019s"})
_JOINERS = re.compile(r"['\u2019-]")
_new_token = tuple.__new__


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
    append = out.append
    for m in WORD.finditer(text):
        word = m.group()
        dotted = word[-1] == "."
        core = word[:-1] if dotted else word
        if core[-2:] in _POSSESSIVE:
            core, dotted = core[:-2], False
        start = m.start()
        append(_new_token(Token, (start, start + len(core), core, core.lower(), dotted, core[0].isupper())))
        if len(out) >= limit:
            break
    return out


def token_words(tokens: list[Token]) -> frozenset[str] | None:
    """The lower-cased words of ``tokens``, joined words also split ("street-level" gives "street" and
    "level"), for the patterns' word gates; None when the list was cut at ``MAX_TOKENS`` (it cannot prove a
    word absent then)."""
    if len(tokens) >= MAX_TOKENS:
        return None
    words = {t.lower for t in tokens}
    words.update(part for t in tokens if not t.lower.isalpha() for part in _JOINERS.split(t.lower))
    return frozenset(words)
