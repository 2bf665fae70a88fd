"""The recognizer shape: mostly data (patterns, scores, context words) plus one ``validate`` hook.

A recognizer subclass sets class attributes and, when the pattern alone is not enough, overrides
``validate``. Everything is compiled once in ``__init__``; ``analyze`` is pure and thread-safe.

Linear-time rule: every pattern must use bounded repetition (``{m,n}``) or character classes that cannot
overlap with what follows, and should start with a look-behind boundary so a long run of the same
character offers only one start position. ``tests/pii/test_hostile.py`` enforces this on large inputs.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import repeat
from typing import ClassVar

from bastion.pii.recognizers.tokens import Token, token_words
from bastion.pii.span import Span


@dataclass(frozen=True, slots=True)
class Pattern:
    """One regular expression; ``group`` selects the part of the match that is the entity."""

    name: str
    regex: str
    score: float
    group: int = 0
    # The pattern runs only if one of these substrings occurs in the lower-cased text (cheap C-speed gate).
    needles: tuple[str, ...] = ()
    # Word-based recognizers: the pattern runs only if one of these words is one of the text's word tokens
    # (lower-cased). A necessary condition for a match, so the gate changes speed, not results.
    words: frozenset[str] = frozenset()
    # Same, for words that must end a token: runs only if some token ends with one of these.
    word_endings: tuple[str, ...] = ()


class Recognizer:
    """Base class. Subclasses declare data; ``validate`` may veto (return None) or rescore a candidate."""

    label: ClassVar[str]
    patterns: ClassVar[tuple[Pattern, ...]] = ()
    flags: ClassVar[int] = 0
    # Cheap tests on the whole text; the recognizer is skipped when the regex does not match / when none of
    # the substrings occurs in the lower-cased text.
    prefilter: ClassVar[str | None] = None
    needles: ClassVar[tuple[str, ...]] = ()
    # Words that, found within ``context_window`` characters before (or shortly after) a candidate, raise
    # its score by ``context_boost``.
    context: ClassVar[tuple[str, ...]] = ()
    context_window: ClassVar[int] = 48
    context_boost: ClassVar[float] = 0.35
    # Word-based recognizers set this and implement ``analyze_tokens`` so the engine tokenizes only once.
    wants_tokens: ClassVar[bool] = False

    def __init__(self) -> None:
        self._compiled = tuple((p, re.compile(class_first(p.regex), self.flags)) for p in self.patterns)
        self._pattern_needles = tuple(dict.fromkeys(n for p in self.patterns for n in p.needles))
        # Word gates need the engine's tokens, which it makes only for recognizers that want them.
        self._word_gated = self.wants_tokens and any(p.words or p.word_endings for p in self.patterns)
        self._prefilter = re.compile(self.prefilter, self.flags) if self.prefilter else None
        self._context = (
            re.compile(
                r"(?<!\w)(?:" + "|".join(re.escape(w) for w in self.context) + r")(?!\w)", re.IGNORECASE
            )
            if self.context
            else None
        )

    def analyze(self, text: str, lower: str | None = None) -> Iterator[Span]:
        """Candidate spans. ``lower`` is ``text.lower()`` when the caller already has it (saves work)."""
        return self.scan(text, lower)

    def scan(
        self,
        text: str,
        lower: str | None = None,
        words: frozenset[str] | None = None,
        present: frozenset[str] | None = None,
    ) -> Iterator[Span]:
        """The patterns' candidates. ``words``, when given, holds every lower-cased word token of ``text``
        and lets patterns that declare ``Pattern.words`` be skipped when none of them occurs. ``present``,
        when given, holds every needle (``needles``, ``Pattern.needles``) that occurs in the lower-cased
        text (the engine finds them all in one pass, ``bastion.pii.needles``)."""
        if self._prefilter is not None and self._prefilter.search(text) is None:
            return
        if self.needles:
            if present is not None:
                if present.isdisjoint(self.needles):
                    return
            else:
                lower = text.lower() if lower is None else lower
                if not any(map(lower.__contains__, self.needles)):
                    return
        # which of the patterns' needles occur: each looked up once (or given by the engine)
        for pattern, regex in self._compiled:
            if pattern.needles:
                if present is None:
                    lower = text.lower() if lower is None else lower
                    present = frozenset(filter(lower.__contains__, self._pattern_needles))
                if present.isdisjoint(pattern.needles):
                    continue
            if words is not None:
                if pattern.words and pattern.words.isdisjoint(words):
                    continue
                if pattern.word_endings and not any(map(str.endswith, words, repeat(pattern.word_endings))):
                    continue
            pos = 0
            while (match := regex.search(text, pos)) is not None:
                # A rejected candidate may hide a valid one that starts inside it: resume just after its start
                # (look-behind boundaries keep this linear). An accepted one resumes after its (trimmed) end.
                pos = match.start() + 1
                start, end = match.span(pattern.group)
                if start < 0 or end <= start:
                    continue
                trimmed = self.trim(text, start, end)
                if trimmed is None:
                    continue
                start, end = trimmed
                score = self.validate(text, start, end, pattern)
                if score is not None:
                    pos = max(end, pos)
                    yield Span(start, end, self.label, min(score, 1.0))

    def analyze_tokens(
        self, text: str, tokens: list[Token], lower: str | None = None, present: frozenset[str] | None = None
    ) -> Iterator[Span]:
        """Same as :meth:`analyze`, given the engine's shared word tokens (word-based recognizers use them;
        patterns with word gates are skipped when the tokens lack their words) and, optionally, the needles
        present in the text (see :meth:`scan`)."""
        return self.scan(text, lower, token_words(tokens) if self._word_gated else None, present)

    @property
    def all_needles(self) -> tuple[str, ...]:
        """Every needle this recognizer or one of its patterns declares."""
        return tuple(dict.fromkeys((*self.needles, *self._pattern_needles)))

    def validate(self, text: str, start: int, end: int, pattern: Pattern) -> float | None:
        """Return the candidate's score, or None to reject it. Default: pattern score plus context boost."""
        return pattern.score + self.context_bonus(text, start, end)

    def trim(self, text: str, start: int, end: int) -> tuple[int, int] | None:
        """Adjust a candidate's bounds (e.g. drop trailing punctuation) or reject it with None."""
        return start, end

    def has_context(
        self, text: str, start: int, end: int, before: int | None = None, after: int = 16
    ) -> bool:
        if self._context is None:
            return False
        window = self.context_window if before is None else before
        return (
            self._context.search(text, max(0, start - window), start) is not None
            or self._context.search(text, end, min(len(text), end + after)) is not None
        )

    def context_bonus(self, text: str, start: int, end: int) -> float:
        return self.context_boost if self.has_context(text, start, end) else 0.0


# ``(?<![\w-])\d{3}...``: leading look-behinds (no nested groups), then one character-class atom.
_CLASS = r"\\[wdsWDS]|\[(?:\\.|[^\]\\])+\]"
_GUARD_BODY = r"(?:\\.|\[(?:\\.|[^\]\\])+\]|[^()\\\[])+"
_LEADING_GUARDS = re.compile(rf"((?:\(\?<!{_GUARD_BODY}\))+)({_CLASS})(?:\{{(\d+)(,\d+)?\}})?")
_GUARD = re.compile(rf"\(\?<!({_GUARD_BODY})\)")


def class_first(regex: str) -> str:
    r"""The same regex with its first character class moved before its leading look-behinds.

    ``(?<!L)C{m,n}`` and ``C(?<!L[\s\S])C{m-1,n-1}`` match exactly the same strings at the same positions
    (each look-behind now also steps over the character just consumed), but the second starts with a
    character class, which Python's regex engine uses to skip ahead to candidate positions instead of
    trying the look-behinds at every position: several times faster on ordinary text. Patterns of any
    other shape are returned unchanged.
    """
    m = _LEADING_GUARDS.match(regex)
    if m is None:
        return regex
    guards, atom, low, high = m.groups()
    rest = regex[m.end() :]
    if rest[:1] in {"{", "?", "*", "+"} or (low is not None and int(low) < 1):
        return regex  # an optional or open-ended first atom: leave the pattern as written
    if low is None:
        repeat = ""
    elif high is None:
        repeat = f"{atom}{{{int(low) - 1}}}"
    else:
        repeat = f"{atom}{{{int(low) - 1},{int(high[1:]) - 1}}}"
    moved = "".join(f"(?<!(?:{g})[\\s\\S])" for g in _GUARD.findall(guards))
    return f"{atom}{moved}{repeat}{rest}"


def digits_of(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def shannon_entropy(value: str) -> float:
    """Bits per character of ``value``'s character distribution."""
    if not value:
        return 0.0
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in Counter(value).values())


# Words that mark a nearby number as a business reference (order, ticket, ...), not a personal identifier.
BUSINESS_WORDS = re.compile(
    r"(?i)\b(?:order|invoice|ticket|tracking|transaction|ref|reference|sku|build|version|item|product|case|"
    r"request|issue|pr|commit|job|batch|serial|model|part|po|shipment|confirmation|parcel|booking|error)\b"
)

PLACEHOLDER_HINTS: tuple[str, ...] = (
    "xxxx",
    "your",
    "example",
    "sample",
    "dummy",
    "placeholder",
    "redacted",
    "changeme",
    "insert",
    "fake",
    "test1234",
    "abcdef",
    "123456",
    "0000",
    "....",
    "<",
    ">",
    "**",
)
# Each hint as written, in capitals and capitalised: "your"/"YOUR"/"Your", but not "yOuR" or "FakE", which a
# long random token (a 100-character Stripe key, a JWT signature) holds now and then.
_HINT_FORMS: tuple[str, ...] = tuple(
    dict.fromkeys(form for h in PLACEHOLDER_HINTS for form in (h, h.upper(), h.capitalize()))
)
# A reference to a value kept elsewhere: ``$DB_PASSWORD``, ``${TOKEN}``, ``{{ secrets.X }}``, ``%(pw)s``.
_REFERENCE = re.compile(r"\$\{?[A-Za-z_][\w.]{0,64}\}?|\{\{.{0,80}\}\}|%\(\w{1,64}\)s|\{\w{1,64}\}")


def looks_like_placeholder(value: str) -> bool:
    """True for documentation stand-ins (``sk-xxxxxxxx``, ``YOUR_API_KEY``, ``AKIAIOSFODNN7EXAMPLE``) and for
    references to a value kept elsewhere (``${DB_PASSWORD}``). Too few distinct characters for the length also
    marks a stand-in; the bar stops rising at 16 distinct characters, so long random tokens (JWTs, 300+
    characters over a 64-letter alphabet) are never taken for one."""
    if any(map(value.__contains__, _HINT_FORMS)) or _REFERENCE.fullmatch(value):
        return True
    lower = value.lower()
    return len(set(lower)) < min(max(6, len(lower) // 5), 16)
