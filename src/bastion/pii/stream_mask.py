"""StreamMasker: masks PII a model produces in a streamed answer before it reaches the client.

A detector needs the whole entity and a little context around it, so one channel's text is released only
once it is at least ``WINDOW`` characters behind the newest text, cut at a word boundary:

- the held tail is the last ``WINDOW`` (64) characters, extended back to the start of the word they begin
  in. 64 covers every entity written with spaces inside (an IBAN is at most 34 characters plus 8 spaces, a
  card number 19 digits plus separators, a phone number or a full name well under that) plus the right
  context the name detector reads; entities without spaces (e-mail addresses, URLs, keys, JWTs) are whole
  words, so holding back to a word start keeps them whole too.
- a finding that reaches into the held tail is held back whole with it.
- a single word longer than ``MAX_WORD`` (1,024) characters is released after masking; a finding that
  runs to its end masks the rest of that word as it arrives. A private key whose ``-----BEGIN`` header is
  released without its end line masks everything up to and including the ``-----END ...-----`` line.

Text already released is kept (``CONTEXT`` characters) as left context for the detector and never sent
again. ``flush()`` scans and releases the held tail (end of the channel or of the stream).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from bastion.pii import placeholders
from bastion.pii.span import Span

WINDOW = 64
CONTEXT = 64
MAX_WORD = 1024
_PEM_BEGIN = "-----BEGIN"
_PEM_END = "-----END"

Finder = Callable[[str], list[Span]]


class StreamMasker:
    __slots__ = ("_context", "_find", "_pending", "_swallow", "found")

    def __init__(self, find: Finder) -> None:
        """``find(text)``: the spans of ``text`` to mask (PII the request did not hold)."""
        self._find = find
        self._pending = ""
        self._context = ""
        self._swallow: str | None = None  # a mask still running: "word" or "pem"
        self.found: Counter[str] = Counter()  # label -> findings masked so far (no values)

    def feed(self, delta: str) -> str:
        """The text of this channel that can be released now, masked ('' while holding back)."""
        self._pending += delta
        if self._swallow is not None and not self._swallowed():
            return ""
        pending = self._pending
        cut = self._cut(pending)
        if cut <= 0:
            return ""
        return self._release(cut, final=False)

    def flush(self) -> str:
        """Everything held, masked: call when the channel or the stream ends."""
        if self._swallow is not None:
            self._swallowed()
            if self._swallow is not None:  # the mask never ended: nothing of it is released
                self._pending = ""
                return ""
        if not self._pending:
            return ""
        return self._release(len(self._pending), final=True)

    # ---- internals ------------------------------------------------------------------------------------
    @staticmethod
    def _cut(pending: str) -> int:
        """Where the held tail starts: WINDOW back from the end, moved back to a word start."""
        n = len(pending)
        limit = n - WINDOW
        if limit <= 0:
            return 0
        i = limit
        while i > 0 and not pending[i - 1].isspace():
            i -= 1
            if limit - i > MAX_WORD:  # one huge word: released after masking (see `_release`)
                return limit
        return i

    def _release(self, cut: int, *, final: bool) -> str:
        pending, context = self._pending, self._context
        offset = len(context)
        spans = [(max(s.start - offset, 0), s.end - offset, s.label) for s in self._find(context + pending)]
        spans = [s for s in spans if s[1] > 0]  # findings inside released text were decided then
        if not final and not self._forced(pending, cut):
            crossing = next((s for s in spans if s[0] < cut < s[1]), None)
            if crossing is not None:
                cut = crossing[0]  # hold the whole finding back with the tail
        if cut <= 0:
            return ""
        out: list[str] = []
        cursor = 0
        for start, end, label in spans:
            if start >= cut:
                break
            out.append(pending[cursor:start])
            out.append(placeholders.mask(label))
            self.found[label] += 1
            cursor = min(end, cut)
            if end > cut:  # a finding running past a forced cut: mask the rest of its word
                self._swallow = "word"
                break
            if _opens_pem(pending, start, end):  # the key's lines follow: mask up to its end line
                self._swallow = "pem"
                cursor = cut
                break
        out.append(pending[cursor:cut])
        self._context = (context + pending[:cut])[-CONTEXT:]
        self._pending = pending[cut:]
        if self._swallow is not None and self._pending:
            self._swallowed()
        return "".join(out)

    @staticmethod
    def _forced(pending: str, cut: int) -> bool:
        """True when `cut` splits a word (one longer than MAX_WORD)."""
        return 0 < cut < len(pending) and not pending[cut - 1].isspace() and not pending[cut].isspace()

    def _swallowed(self) -> bool:
        """Drops the rest of a running mask from the pending text; True once it has ended."""
        pending = self._pending
        if self._swallow == "word":
            i = 0
            while i < len(pending) and not pending[i].isspace():
                i += 1
            self._pending = pending[i:]
            if i == len(pending):
                return False
        else:
            footer = pending.find(_PEM_END)
            close = pending.find("-----", footer + len(_PEM_END)) if footer != -1 else -1
            if close == -1:
                self._pending = pending[-(len(_PEM_END) + 60) :]  # an end line may be arriving split
                return False
            self._pending = pending[close + 5 :]
        self._swallow = None
        return True

    def __repr__(self) -> str:
        return f"StreamMasker(holding={len(self._pending)} chars, found={dict(self.found)})"


def _opens_pem(text: str, start: int, end: int) -> bool:
    """A private key header found without its end line (the key's lines are still to come)."""
    return text.startswith(_PEM_BEGIN, start) and _PEM_END not in text[start:end]
