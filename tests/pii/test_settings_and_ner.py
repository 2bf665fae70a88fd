from __future__ import annotations

import pytest
from pydantic import ValidationError

from bastion.pii import NerSettings, PiiEngine, PiiSettings, Span
from bastion.pii.ner import SpacyBackend


def test_settings_reject_unknown_fields_and_labels() -> None:
    with pytest.raises(ValidationError):
        PiiSettings.model_validate({"actionz": {}})
    with pytest.raises(ValidationError):
        PiiSettings(entities=["PERSN"])
    with pytest.raises(ValidationError):
        PiiSettings.model_validate({"actions": {"PERSON": "shred"}})


def test_action_map_defaults() -> None:
    s = PiiSettings(actions={"SSN": "block"}, default_action="mask")
    assert s.action_for("SSN") == "block" and s.action_for("EMAIL") == "mask"


def test_entities_restrict_detection() -> None:
    engine = PiiEngine(PiiSettings(entities=["EMAIL"]))
    assert [s.label for s in engine.detect("Hannah McConnan a@b.io 536-22-8726")] == ["EMAIL"]


class FakeNer:
    def __init__(self, spans: list[Span]) -> None:
        self._spans = spans

    def spans(self, text: str) -> list[Span]:
        return self._spans


def test_ner_spans_merge_with_builtin() -> None:
    text = "Zorblax Quuxington wrote to a@b.io from Vlorgton"
    ner = FakeNer([Span(0, 18, "PERSON", 0.7), Span(27, 34, "ORG", 0.7), Span(40, 48, "LOCATION", 0.7)])
    engine = PiiEngine(PiiSettings(), ner=ner)
    got = [(s.label, text[s.start : s.end]) for s in engine.detect(text)]
    # The e-mail (built-in, higher score) wins over the overlapping NER span; the others are added.
    assert got == [("PERSON", "Zorblax Quuxington"), ("EMAIL", "a@b.io"), ("LOCATION", "Vlorgton")]


def test_spacy_backend_with_a_tiny_entity_ruler_pipeline() -> None:
    spacy = pytest.importorskip("spacy")
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns(
        [
            {"label": "PERSON", "pattern": [{"LOWER": "zorblax"}, {"LOWER": "quuxington"}]},
            {"label": "GPE", "pattern": "Vlorgton"},
            {"label": "DATE", "pattern": "today"},
        ]
    )
    backend = SpacyBackend(nlp, NerSettings(model="in-memory"))
    text = "zorblax quuxington flew to Vlorgton today"
    spans = PiiEngine(PiiSettings(), ner=backend).detect(text)
    assert [(s.label, text[s.start : s.end]) for s in spans] == [
        ("PERSON", "zorblax quuxington"),
        ("LOCATION", "Vlorgton"),
    ]


def test_spacy_backend_loads_a_saved_pipeline_by_path(tmp_path: object) -> None:
    spacy = pytest.importorskip("spacy")
    nlp = spacy.blank("en")
    nlp.add_pipe("entity_ruler").add_patterns([{"label": "PERSON", "pattern": "Zorblax"}])
    nlp.to_disk(tmp_path)  # type: ignore[arg-type]
    engine = PiiEngine(PiiSettings(ner=NerSettings(model=str(tmp_path))))
    assert [s.label for s in engine.detect("ask Zorblax")] == ["PERSON"]
