from __future__ import annotations

from pathlib import Path

import pytest
import spacy
import yaml
from pydantic import ValidationError

from bastion.config.loader import load_config
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


def _ruler_pipeline(patterns: list[dict[str, object]]) -> spacy.language.Language:
    """A real spaCy pipeline built locally (blank English tokenizer + entity_ruler): no model download."""
    nlp = spacy.blank("en")
    nlp.add_pipe("entity_ruler").add_patterns(patterns)
    return nlp


def test_spacy_backend_with_a_tiny_entity_ruler_pipeline() -> None:
    nlp = _ruler_pipeline(
        [
            {"label": "PERSON", "pattern": [{"LOWER": "zorblax"}, {"LOWER": "quuxington"}]},
            {"label": "GPE", "pattern": "Vlorgton"},
            {"label": "DATE", "pattern": "today"},
        ]
    )
    backend = SpacyBackend(nlp, NerSettings(model="in-memory"))
    text = "zorblax quuxington flew to Vlorgton today"
    spans = PiiEngine(PiiSettings(), ner=backend).detect(text)
    # DATE is not in NerSettings.labels, so it is ignored; the others are mapped to Bastion labels.
    assert [(s.label, text[s.start : s.end]) for s in spans] == [
        ("PERSON", "zorblax quuxington"),
        ("LOCATION", "Vlorgton"),
    ]


def test_spacy_backend_loads_a_saved_pipeline_by_path(tmp_path: Path) -> None:
    _ruler_pipeline([{"label": "PERSON", "pattern": "Zorblax"}]).to_disk(tmp_path)
    engine = PiiEngine(PiiSettings(ner=NerSettings(model=str(tmp_path))))
    assert [s.label for s in engine.detect("ask Zorblax")] == ["PERSON"]


def test_gateway_config_names_a_pipeline_by_path_and_its_spans_merge(tmp_path: Path) -> None:
    """``pii.ner.model`` in the gateway's YAML config, pointing at a saved pipeline directory: NER spans
    fill what the built-in recognizers miss, built-in findings win where both overlap, labels map."""
    model = tmp_path / "ner-model"
    _ruler_pipeline(
        [
            {"label": "PER", "pattern": [{"LOWER": "zorblax"}, {"LOWER": "quuxington"}]},
            {"label": "FAC", "pattern": [{"LOWER": "vlorgton"}, {"LOWER": "spire"}]},
            {"label": "ORG", "pattern": "Quuxware"},  # not in `labels`: ignored
            # Overlaps the e-mail address: the built-in EMAIL span (higher score) must win.
            {"label": "PERSON", "pattern": [{"LOWER": "zq@example.org"}]},
        ]
    ).to_disk(model)
    config_file = tmp_path / "bastion.yaml"
    config_file.write_text(
        yaml.safe_dump(
            {"pii": {"ner": {"model": str(model), "labels": {"PER": "PERSON", "FAC": "LOCATION"}}}}
        )
    )
    engine = PiiEngine(load_config(config_file).pii)
    text = "Zorblax Quuxington of Quuxware (zq@example.org) moved next to the vlorgton spire."
    got = [(s.label, text[s.start : s.end]) for s in engine.detect(text)]
    assert got == [
        ("PERSON", "Zorblax Quuxington"),
        ("EMAIL", "zq@example.org"),
        ("LOCATION", "vlorgton spire"),
    ]
    assert "ner=True" in repr(engine)
    # Without the backend the built-in recognizers do not find the lower-case place: the NER span is the gain.
    builtin = PiiEngine(load_config(config_file).pii.model_copy(update={"ner": None}))
    assert "LOCATION" not in {s.label for s in builtin.detect(text)}


def test_ner_backend_skips_texts_over_its_limit(tmp_path: Path) -> None:
    _ruler_pipeline([{"label": "PERSON", "pattern": "Zorblax"}]).to_disk(tmp_path)
    engine = PiiEngine(PiiSettings(ner=NerSettings(model=str(tmp_path), max_chars=20)))
    assert [s.label for s in engine.detect("find Zorblax")] == ["PERSON"]
    assert engine.detect("find Zorblax and the weather tomorrow") == []


def test_a_missing_pipeline_path_fails_at_start_up(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        PiiEngine(PiiSettings(ner=NerSettings(model=str(tmp_path / "absent"))))
