from __future__ import annotations

import json

import pytest

from bastion.pii import PiiEngine, PiiSettings, Span, Vault, redact_text
from bastion.pii.redact import mask_new_findings

TEXT = "Ask Hannah McConnan (hannah@example.org) or Hannah McConnan's boss at hannah@example.org."


def _apply(engine: PiiEngine, text: str, **actions: str) -> tuple[Vault, str]:
    vault = Vault(b"k")
    act = {**PiiSettings().action_map(), **actions}
    new_text, _ = vault.apply(text, engine.detect(text), act)
    return vault, new_text


def test_same_value_same_placeholder_across_segments(engine: PiiEngine) -> None:
    vault, first = _apply(engine, TEXT)
    second, _ = vault.apply("cc hannah@example.org", engine.detect("cc hannah@example.org"), {})
    assert first.count("<EMAIL_1>") == 2 and "<EMAIL_2>" not in first
    assert first.count("<PERSON_1>") == 2
    assert second == "cc <EMAIL_1>"
    assert vault.restore(first) == TEXT


@pytest.mark.parametrize(
    ("action", "expected"),
    [("mask", "<EMAIL>"), ("allow", "hannah@example.org")],
)
def test_mask_and_allow(engine: PiiEngine, action: str, expected: str) -> None:
    _, out = _apply(engine, "mail hannah@example.org", EMAIL=action)
    assert out == f"mail {expected}"


def test_hash_is_keyed_and_stable() -> None:
    a, b, c = Vault(b"k1"), Vault(b"k1"), Vault(b"k2")
    span = [Span(0, 5, "PERSON", 0.9)]
    ha = a.apply("Alice", span, {"PERSON": "hash"})[0]
    assert ha == b.apply("Alice", span, {"PERSON": "hash"})[0]
    assert ha != c.apply("Alice", span, {"PERSON": "hash"})[0]
    assert ha.startswith("<PERSON:") and len(ha) == len("<PERSON:>") + 10


def test_block_is_reported_not_rewritten(engine: PiiEngine) -> None:
    vault, out = _apply(engine, "SSN 536-22-8726", SSN="block")
    assert out == "SSN 536-22-8726"
    assert vault.blocked_labels == {"SSN"}
    assert vault.summary() == {"SSN": {"block": 1}}


def test_summary_and_repr_never_contain_values(engine: PiiEngine) -> None:
    vault, _ = _apply(engine, TEXT)
    assert vault.summary() == {"EMAIL": {"pseudonymize": 2}, "PERSON": {"pseudonymize": 2}}
    for shown in (repr(vault), str(vault), json.dumps(vault.summary())):
        assert "hannah" not in shown.lower()


@pytest.mark.parametrize(
    "mangled",
    [
        "<PERSON_1>",
        "<person_1>",
        "<Person_1>",
        "**<PERSON_1>**",
        "[PERSON_1]",
        "{PERSON_1}",
        "&lt;PERSON_1&gt;",
        "< PERSON_1 >",
        "<PERSON 1>",
        "PERSON_1",
        "<PERSON_1",
        "PERSON_1>",
        "\\u003cPERSON_1\\u003e",
    ],
)
def test_restore_tolerates_mangling(mangled: str) -> None:
    vault = Vault()
    vault.apply("Alice", [Span(0, 5, "PERSON", 0.9)], {})
    restored = vault.restore(f"Hi {mangled}!")
    assert "Alice" in restored and "PERSON" not in restored.upper()


@pytest.mark.parametrize("text", ["person_1 is lower-case bare", "XPERSON_1", "PERSON_12", "<EMAIL_1>"])
def test_restore_leaves_unknown_or_unsafe_forms(text: str) -> None:
    vault = Vault()
    vault.apply("Alice", [Span(0, 5, "PERSON", 0.9)], {})
    assert vault.restore(text) == text


def test_existing_placeholders_in_input_are_not_reused() -> None:
    vault = Vault()
    out, _ = vault.apply("<PERSON_1> met Alice", [Span(15, 20, "PERSON", 0.9)], {})
    assert out == "<PERSON_1> met <PERSON_2>"
    assert vault.restore(out) == "<PERSON_1> met Alice"


def test_restore_json_string_escapes_original() -> None:
    vault = Vault()
    value = 'Jo "The Hammer" O\\Neil\n'
    vault.apply(value, [Span(0, len(value), "PERSON", 0.9)], {})
    args = json.dumps({"name": "<PERSON_1>", "note": "hi <PERSON_1>"})
    restored = vault.restore_json_string(args)
    assert json.loads(restored) == {"name": value, "note": f"hi {value}"}


def test_redact_text_helper(engine: PiiEngine) -> None:
    assert redact_text(engine, "mail hannah@example.org", "mask") == "mail <EMAIL>"


def test_mask_new_findings_only_masks_pii_absent_from_request(engine: PiiEngine) -> None:
    vault, _ = _apply(engine, "mail hannah@example.org")
    response = "Sure, I emailed <EMAIL_1> and hannah@example.org and also bob@corp.example.com."
    masked, findings = mask_new_findings(engine, response, vault)
    assert [response[s.start : s.end] for s in findings] == ["bob@corp.example.com"]
    assert masked.endswith("<EMAIL>.") and "<EMAIL_1>" in masked and "hannah@example.org" in masked


def test_vault_cannot_be_pickled() -> None:
    import pickle

    with pytest.raises(TypeError):
        pickle.dumps(Vault())
