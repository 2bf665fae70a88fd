from __future__ import annotations

import json

import pytest

from bastion.pii import Span, StreamRestorer, Vault


def _vault() -> Vault:
    vault = Vault()
    vault.apply("Alice Smith", [Span(0, 11, "PERSON", 0.9)], {})
    vault.apply("a@b.io", [Span(0, 6, "EMAIL", 0.9)], {})
    vault.apply("4111111111111111", [Span(0, 16, "CREDIT_CARD", 0.9)], {})
    return vault


RESPONSE = (
    "Dear <PERSON_1>, we wrote to **<EMAIL_1>** about card <CREDIT_CARD_1>. [person_1] & <x> < 3 "
    "PERSON_1 {PERSON_1} &lt;PERSON_1&gt; <PERSON_1"
)


def _stream(restorer: StreamRestorer, parts: list[str]) -> str:
    return "".join(restorer.feed(p) for p in parts) + restorer.flush()


def test_every_single_split_point() -> None:
    vault = _vault()
    expected = vault.restore(RESPONSE)
    assert "Alice Smith" in expected and "a@b.io" in expected and "PERSON" not in expected
    for i in range(len(RESPONSE) + 1):
        assert _stream(StreamRestorer(vault), [RESPONSE[:i], RESPONSE[i:]]) == expected, i


def test_every_pair_of_split_points_on_a_placeholder() -> None:
    vault = _vault()
    text = "x <CREDIT_CARD_1> y"
    expected = vault.restore(text)
    for i in range(len(text) + 1):
        for j in range(i, len(text) + 1):
            assert _stream(StreamRestorer(vault), [text[:i], text[i:j], text[j:]]) == expected


def test_char_by_char() -> None:
    vault = _vault()
    assert _stream(StreamRestorer(vault), list(RESPONSE)) == vault.restore(RESPONSE)


@pytest.mark.parametrize(
    ("delta", "held"),
    [
        ("hello world", ""),
        ("see <", "<"),
        ("see <PER", "<PER"),
        ("see <PERSON_1", "<PERSON_1"),
        ("a < 5", ""),
        ("a < b", "< b"),  # could still become "< BIOMETRIC_1>"
        ("<Perhaps", ""),
        ("x PERSON_", "PERSON_"),
        ("x Person", ""),
        ("x &l", "&l"),
        ("x [EMAIL_1", "[EMAIL_1"),
        ("done.", ""),
        ("<PERSON_1>", ""),
    ],
)
def test_holds_back_only_a_possible_placeholder_prefix(delta: str, held: str) -> None:
    restorer = StreamRestorer(_vault())
    out = restorer.feed(delta)
    assert out == _vault_restore(delta[: len(delta) - len(held)])
    assert restorer.flush() == _vault_restore(held)


def _vault_restore(text: str) -> str:
    return _vault().restore(text)


def test_stream_json_string_mode() -> None:
    vault = Vault()
    vault.apply('Jo "Q"', [Span(0, 6, "PERSON", 0.9)], {})
    inner = json.dumps({"who": "<PERSON_1>"})
    for i in range(len(inner) + 1):
        restorer = StreamRestorer(vault, json_string=True)
        out = _stream(restorer, [inner[:i], inner[i:]])
        assert json.loads(out) == {"who": 'Jo "Q"'}


def test_empty_vault_passes_through() -> None:
    restorer = StreamRestorer(Vault())
    assert restorer.feed("<PERSON_") == "<PERSON_"
    assert restorer.flush() == ""
