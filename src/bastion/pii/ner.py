"""Optional NER backend: a spaCy pipeline (installed with ``bastion-gateway[ner]``) whose entities are mapped
to Bastion labels and merged with the built-in spans. spaCy is imported only when configured."""

from __future__ import annotations

from typing import Any, Protocol

from bastion.config.pii_settings import NerSettings
from bastion.pii.span import Span


class NerBackend(Protocol):
    def spans(self, text: str) -> list[Span]: ...


class SpacyBackend:
    """Wraps a loaded ``spacy.Language``; build with :meth:`load` (package name or path) or pass one."""

    def __init__(self, nlp: Any, settings: NerSettings) -> None:
        self._nlp = nlp
        self._labels = dict(settings.labels)
        self._score = settings.score
        self._max_chars = settings.max_chars

    @classmethod
    def load(cls, settings: NerSettings) -> SpacyBackend:
        try:
            import spacy
        except ImportError as exc:  # pragma: no cover - depends on the optional extra
            raise RuntimeError(
                "pii.ner is configured but spaCy is not installed: pip install 'bastion-gateway[ner]'"
            ) from exc
        nlp = spacy.load(settings.model, exclude=["lemmatizer", "textcat"])
        return cls(nlp, settings)

    def spans(self, text: str) -> list[Span]:
        if len(text) > self._max_chars:
            return []
        out = []
        for ent in self._nlp(text).ents:
            label = self._labels.get(ent.label_)
            if label is not None:
                out.append(Span(ent.start_char, ent.end_char, label, self._score))
        return out

    def __repr__(self) -> str:
        return f"SpacyBackend(labels={sorted(set(self._labels.values()))})"
