"""The scan cache (`bastion.textcache`): bounded, scoped per tenant, and never changes what is found."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bastion.pii import PiiEngine, Vault
from bastion.pii.placeholders import PSEUDONYM, may_hold_pseudonym
from bastion.pii.span import LABELS
from bastion.textcache import TextCache, scope_of

DATA = Path(__file__).resolve().parents[2] / "bench" / "pii" / "data"


def test_entries_bound_evicts_least_recently_used() -> None:
    cache: TextCache[int] = TextCache(max_entries=2)
    cache.put("", "a", 1)
    cache.put("", "b", 2)
    assert cache.get("", "a") == 1  # "a" is now the most recently used
    cache.put("", "c", 3)
    assert cache.get("", "b") is None
    assert (cache.get("", "a"), cache.get("", "c")) == (1, 3)
    assert len(cache) == 2


def test_chars_bound_and_long_texts() -> None:
    cache: TextCache[int] = TextCache(max_entries=100, max_chars=10, max_text=8)
    cache.put("", "x" * 9, 1)  # longer than max_text: not kept
    assert len(cache) == 0
    cache.put("", "a" * 6, 1)
    cache.put("", "b" * 6, 2)  # 12 characters > 10: the oldest goes
    assert cache.get("", "a" * 6) is None
    assert cache.get("", "b" * 6) == 2
    assert cache.chars == 6


def test_scopes_never_share_an_entry() -> None:
    cache: TextCache[int] = TextCache()
    cache.put(scope_of("t1", "red", "k1"), "same text", 1)
    assert cache.get(scope_of("t2", "blue", "k2"), "same text") is None
    assert cache.get(scope_of(None, None, "k1"), "same text") is None
    assert cache.get(scope_of("t1", "red", "k9"), "same text") == 1  # one team, several keys


def test_cached_answers_are_the_scanned_ones() -> None:
    engine = PiiEngine()
    lines = (DATA / "heldout_handwritten.jsonl").read_text().splitlines()
    texts = [json.loads(line)["text"] for line in lines]
    for text in texts[:60]:
        first = engine.detect(text, "team:a")
        assert engine.detect(text, "team:a") == first == engine.scan(text)
    assert engine.cache.hits >= 60


def test_callers_may_change_the_list_they_get() -> None:
    engine = PiiEngine()
    text = "Mail maria.gonzalez@example.com today"
    spans = engine.detect(text)
    spans.clear()
    assert engine.detect(text) != []


def test_each_request_gets_its_own_placeholders_from_cached_spans() -> None:
    engine = PiiEngine()
    text = "Ticket from Maria Gonzalez (maria.gonzalez@example.com)"
    rewritten = []
    for _ in range(2):
        vault = Vault(b"k" * 32)
        new_text, _ = vault.apply(text, engine.detect(text, "team:a"), {})
        rewritten.append((new_text, vault.restore(new_text)))
    assert rewritten[0] == rewritten[1]
    assert rewritten[0][1] == text
    assert engine.cache.hits == 1


@pytest.mark.parametrize(
    "text",
    ["<PERSON_1>", "[email_2] x", "x PERSON_1 y", "&lt;phone_4&gt;", "ip address_9", "CREDIT CARD-12"]
    + ["org 3"]
    + [f"see {lab.lower().replace('_', ' ')} 7" for lab in LABELS],
)
def test_pseudonym_gate_lets_every_pseudonym_through(text: str) -> None:
    assert PSEUDONYM.search(text) is not None
    assert may_hold_pseudonym(text)


def test_pseudonym_gate_rejects_prose() -> None:
    assert not may_hold_pseudonym("Call +1 415 555 0134 about account 88-4417 before the 3.2 release.")


def test_the_live_detector_passes_the_scope_on() -> None:
    """Policy `pii:` conditions call the engine in force through `LiveDetector` with the caller's scope."""
    from bastion.config.pii import PiiConfig
    from bastion.pipeline.pii import LiveDetector, PiiStage

    stage = PiiStage(PiiConfig())
    live = LiveDetector(stage)
    text = "Mail maria.gonzalez@example.com today"
    assert live.detect(text, scope="team:a") == live.detect(text) != []
    assert stage.engine is not None and stage.engine.cache.get("team:a", text) is not None
