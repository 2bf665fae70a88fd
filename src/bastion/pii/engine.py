"""PiiEngine: builds the enabled recognizers once; ``detect(text)`` returns sorted, non-overlapping spans."""

from __future__ import annotations

import re

from bastion.config.pii_settings import PiiSettings
from bastion.pii.gazetteer import load_gazetteer
from bastion.pii.needles import Needles
from bastion.pii.ner import NerBackend, SpacyBackend
from bastion.pii.placeholders import WRITTEN
from bastion.pii.recognizers import REGISTRY, Recognizer
from bastion.pii.recognizers.tokens import MAX_TOKENS, tokenize
from bastion.pii.span import SPECIAL_CATEGORIES, Span, outside_ranges, resolve_overlaps
from bastion.textcache import TextCache

# Pieces of one postal address separated by commas/newlines/state codes are reported as one LOCATION.
_ADDRESS_GLUE = re.compile(
    r"[\s,]{0,6}(?:[A-Z]{2}[\s,]{1,6})?(?:[\s,]{0,4}\d{3,6}(?:[ -]\d{2,4})?[\s,]{0,4})?"
)


class PiiEngine:
    """Immutable after construction but for its scan cache (bounded, lock-protected); safe to share between
    threads and tasks.

    ``ner`` lets a caller (or a test) inject a ready backend instead of loading ``settings.ner.model``.
    ``detect`` keeps what it found per text (``bastion.textcache``): the history of a conversation, sent
    again with every turn, is scanned once. Detection is a pure function of the text, so a cached answer
    is the same answer; ``scope`` (the caller's team or key) keeps each tenant's entries apart.
    """

    def __init__(self, settings: PiiSettings | None = None, *, ner: NerBackend | None = None) -> None:
        self.settings = settings or PiiSettings()
        enabled = set(self.settings.entities)
        needs_gazetteer = bool(enabled & {"PERSON", "LOCATION", "ORG", *SPECIAL_CATEGORIES})
        gazetteer = load_gazetteer() if needs_gazetteer else None
        recognizers: list[Recognizer] = []
        for label, factory in REGISTRY.values():
            if label in enabled:
                recognizers.append(factory(gazetteer))  # type: ignore[arg-type]
        self._recognizers = tuple(recognizers)
        # one pass finds every recognizer's needles; a recognizer none of whose own needles occur is skipped
        # here, and the base scan reads the pattern needles from the same set (`bastion.pii.needles`)
        self._needles = Needles(n for r in recognizers for n in r.all_needles)
        plain = Recognizer.analyze_tokens
        self._plan = tuple((r, frozenset(r.needles), type(r).analyze_tokens is plain) for r in recognizers)
        self._wants_tokens = any(r.wants_tokens for r in recognizers)
        self._enabled = frozenset(enabled)
        if ner is None and self.settings.ner is not None:
            ner = SpacyBackend.load(self.settings.ner)
        self._ner = ner
        self.cache: TextCache[tuple[Span, ...]] = TextCache()

    @property
    def labels(self) -> frozenset[str]:
        return self._enabled

    def detect(self, text: str, scope: str = "") -> list[Span]:
        """Spans of PII in ``text``: sorted by start, non-overlapping, score >= ``settings.min_score``."""
        if not text:
            return []
        known = self.cache.get(scope, text)
        if known is not None:
            return list(known)
        spans = self.scan(text)
        self.cache.put(scope, text, tuple(spans))
        return spans

    def scan(self, text: str) -> list[Span]:
        """``detect`` without the cache: always runs every recognizer over ``text``."""
        if not text:
            return []
        if len(text) > self.settings.max_chars:
            text = text[: self.settings.max_chars]
        floor = self.settings.min_score
        lower = text.lower()
        tokens = tokenize(text, MAX_TOKENS) if self._wants_tokens else []
        present = self._needles.present(lower)
        candidates: list[Span] = []
        for recognizer, gate, plain in self._plan:
            if gate and gate.isdisjoint(present):
                continue
            found = (
                recognizer.analyze_tokens(text, tokens, lower, present)
                if plain
                else recognizer.analyze_tokens(text, tokens, lower)
            )
            candidates.extend(s for s in found if s.score >= floor)
        if self._ner is not None:
            candidates.extend(
                s for s in self._ner.spans(text) if s.label in self._enabled and s.score >= floor
            )
        if "<" in text:
            candidates = _outside_placeholders(text, candidates)
        return _join_addresses(text, resolve_overlaps(candidates))

    def __repr__(self) -> str:
        return f"PiiEngine(labels={sorted(self._enabled)}, ner={self._ner is not None})"


def _outside_placeholders(text: str, spans: list[Span]) -> list[Span]:
    """Drop candidates inside (or drawn from) placeholders the vault wrote, e.g. when scanning a response."""
    ranges = [m.span() for m in WRITTEN.finditer(text)]
    if not ranges:
        return spans
    return outside_ranges(spans, ranges)


def _join_addresses(text: str, spans: list[Span]) -> list[Span]:
    out: list[Span] = []
    for span in spans:
        prev = out[-1] if out else None
        if prev is not None and prev.label == span.label == "LOCATION" and span.start - prev.end <= 24:
            glue = _ADDRESS_GLUE.match(text, prev.end)
            if glue is not None and glue.end() >= span.start:
                out[-1] = Span(prev.start, span.end, "LOCATION", max(prev.score, span.score))
                continue
        out.append(span)
    return out
