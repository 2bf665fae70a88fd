"""StreamMasker: PII a model produces in a stream is masked whatever the chunking, with a bounded
holdback (unrelated text is released once it is WINDOW characters behind, at a word start)."""

from __future__ import annotations

import pytest

from bastion.pii import PiiEngine
from bastion.pii.stream_mask import MAX_WORD, WINDOW, StreamMasker

KEY_LINES = "\n".join("MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7" + str(i) * 12 for i in range(6))
TEXTS = [
    "Echo: write to leaked.person@elsewhere.example or call +1 415 555 0199 today, thanks.",
    "Pay to DE89 3704 0044 0532 0130 00 with card 4111 1111 1111 1111; the host is 10.1.2.3, "
    "and my colleague Zuzana Novakova will confirm.",
    "key: -----BEGIN PRIVATE KEY-----\n" + KEY_LINES + "\n-----END PRIVATE KEY-----\nthanks, bye now.",
    "see https://example.com/" + "a" * (MAX_WORD + 500) + " and more words after the very long address ok",
    "nothing personal here at all, only a long enough sentence to pass the window a couple of times.",
]


def _stream(engine: PiiEngine, parts: list[str]) -> tuple[str, dict[str, int]]:
    masker = StreamMasker(engine.detect)
    out = "".join(masker.feed(p) for p in parts) + masker.flush()
    return out, dict(masker.found)


def _whole(engine: PiiEngine, text: str) -> str:
    out, cursor = [], 0
    for span in engine.detect(text):
        out += (text[cursor : span.start], f"<{span.label}>")
        cursor = span.end
    return "".join(out) + text[cursor:]


@pytest.mark.parametrize("size", [1, 2, 5, 13, 64, 100_000])
@pytest.mark.parametrize("text", TEXTS, ids=["email-phone", "iban-card-name", "pem", "long-url", "none"])
def test_any_chunking_masks_like_the_whole_text(engine: PiiEngine, text: str, size: int) -> None:
    got, _ = _stream(engine, [text[i : i + size] for i in range(0, len(text), size)])
    assert got == _whole(engine, text)


def test_counts_findings(engine: PiiEngine) -> None:
    _, found = _stream(engine, list(TEXTS[0]))
    assert found == {"EMAIL": 1, "PHONE": 1}


def test_unrelated_text_is_held_at_most_a_window_back_to_a_word_start(engine: PiiEngine) -> None:
    masker = StreamMasker(engine.detect)
    words = ("lorem ipsum dolor sit amet consectetur adipiscing elit " * 20).split(" ")
    sent, fed = "", ""
    for word in words:
        fed += word + " "
        sent += masker.feed(word + " ")
        held = fed[len(sent) :]
        assert fed.startswith(sent)
        assert len(held) <= WINDOW + max(len(w) for w in words) + 1, held
    assert sent + masker.flush() == fed


def test_a_finding_reaching_into_the_tail_is_held_whole(engine: PiiEngine) -> None:
    masker = StreamMasker(engine.detect)
    head = "x " * 40 + "call +1 415 555"
    out = masker.feed(head)
    assert "415" not in out and "555" not in out
    out += masker.feed(" 0199 please") + masker.feed(" " + "y " * 60) + masker.flush()
    assert "<PHONE>" in out and "0199" not in out


def test_unterminated_private_key_masks_to_the_end(engine: PiiEngine) -> None:
    text = "here -----BEGIN RSA PRIVATE KEY-----\n" + KEY_LINES + "\nmore"
    for size in (1, 7, 500):
        got, found = _stream(engine, [text[i : i + size] for i in range(0, len(text), size)])
        assert got == "here <SECRET>" and found == {"SECRET": 1}


def test_flush_of_an_empty_masker(engine: PiiEngine) -> None:
    assert StreamMasker(engine.detect).flush() == ""
