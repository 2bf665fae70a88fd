"""Cutting answer text into the units the guard checks, releases and masks: sentences, at most `limit`
characters each (the stream hold-back window)."""

from __future__ import annotations

import re

_END = re.compile(r"[.!?\u3002\uff01\uff1f](?=\s)|\n")


def cut(text: str, limit: int, sentence: bool = True) -> int:
    """How many leading characters of held `text` form complete windows (0: keep holding). A window
    ends after a sentence end followed by white space (with `sentence`), or after `limit` characters."""
    if sentence:
        m = _END.search(text, 0, min(len(text), limit + 1))
        if m is not None:
            end = m.end()
            while end < len(text) and text[end] in " \t":  # the space after the sentence goes with it
                end += 1
            return end
    if len(text) >= limit:
        space = text.rfind(" ", limit // 2, limit)
        return space + 1 if space > 0 else limit
    return 0


def split(text: str, limit: int) -> list[str]:
    """`text` as consecutive windows (joined, they give `text` back)."""
    out: list[str] = []
    while text:
        n = cut(text, limit) or len(text)
        out.append(text[:n])
        text = text[n:]
    return out
