"""Cutting answer text into the units the guard checks, releases and masks: sentences, at most `limit`
characters each (the stream hold-back window)."""

from __future__ import annotations

import re

_END = re.compile(r"[.!?\u3002\uff01\uff1f](?=\s)|\n")


def cut(text: str, limit: int, sentence: bool = True) -> int:
    """How many leading characters of held `text` form complete windows (0: keep holding). A window
    ends after a sentence end followed by white space (with `sentence`), or after `limit` characters."""
    if sentence:
        last = 0
        for m in _END.finditer(text, 0, min(len(text), limit + 1)):
            last = m.end()
        if last:
            # several sentences may be complete: release all that fit, the window stays bounded
            return last
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
