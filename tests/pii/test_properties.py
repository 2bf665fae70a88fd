from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bastion.pii import PiiEngine, PiiSettings, Vault

PII = [
    "Hannah McConnan",
    "jane.doe@example.org",
    "+44 20 7946 0958",
    "536-22-8726",
    "4111 1111 1111 1111",
    "GB82WEST12345698765432",
    "192.168.10.24",
    "https://www.example.org/a",
    "Mr. Doyle",
    "sk-proj-Ab3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5bC7dE9f",
    "52 Huntly Street",
]
FILLER = [
    "hello",
    "the",
    "report",
    "and",
    "please",
    "check",
    "is",
    "ok",
    "\n",
    ":",
    ",",
    "(",
    ")",
    "<",
    ">",
    "_",
    "1",
]
fragments = st.lists(st.sampled_from(PII + FILLER), max_size=12).map(" ".join)
_ENGINE = PiiEngine(PiiSettings())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(fragments, st.text(max_size=200)))
def test_restore_inverts_pseudonymize(text: str) -> None:
    vault = Vault()
    redacted, _ = vault.apply(text, _ENGINE.detect(text), {})
    assert vault.restore(redacted) == text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fragments, st.sampled_from(["pseudonymize", "mask", "hash"]))
def test_no_detector_hit_remains_in_redacted_text(text: str, action: str) -> None:
    vault = Vault()
    actions = {label: action for label in _ENGINE.labels}
    redacted, _ = vault.apply(text, _ENGINE.detect(text), actions)  # type: ignore[arg-type]
    assert _ENGINE.detect(redacted) == []
    for value in PII:
        if value in text:
            assert value not in redacted


@settings(max_examples=100, deadline=None)
@given(fragments, st.lists(st.integers(min_value=0, max_value=400), max_size=4))
def test_stream_restore_equals_restore_for_any_chunking(text: str, cuts: list[int]) -> None:
    from bastion.pii import StreamRestorer

    vault = Vault()
    redacted, _ = vault.apply(text, _ENGINE.detect(text), {})
    points = sorted({min(c, len(redacted)) for c in cuts})
    parts = [redacted[a:b] for a, b in zip([0, *points], [*points, len(redacted)], strict=True)]
    restorer = StreamRestorer(vault)
    assert "".join(restorer.feed(p) for p in parts) + restorer.flush() == text
