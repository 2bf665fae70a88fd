"""Speaker labels are not names: a role word or the demo model's prefix followed by a colon at the start
of a line ("Echo: ...", "Assistant: ...", "**Doctor:** ...") is a label. Given names used as labels, and
role words used as names elsewhere, stay PERSONs."""

from __future__ import annotations

import pytest

from bastion.pii import PiiEngine

from .conftest import labels_of


@pytest.mark.parametrize(
    "text",
    [
        "Echo: hello there",
        "Echo: Also write to me",
        "hello\nEcho: hi",
        "**Echo:** hi",
        "> **Echo**: hi",
        "  Doctor: take two of these",
        "Judge: order in the court",
        "Assistant: Sure, here it is",
        "User: hi\nAssistant: hello",
    ],
)
def test_role_word_labels_are_not_names(engine: PiiEngine, text: str) -> None:
    assert [hit for hit in labels_of(engine, text) if hit[0] == "PERSON"] == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Maria: can you help?", [("PERSON", "Maria")]),
        ("Bob: hi\nAlice: hello", [("PERSON", "Bob"), ("PERSON", "Alice")]),
        ("Echo said hi", [("PERSON", "Echo")]),
        ("Hi Echo: x", [("PERSON", "Echo")]),
        ("I am Echo Smith", [("PERSON", "Echo Smith")]),
        ("Echo: my name is Echo", [("PERSON", "Echo")]),
        ("Echo: Maria Garcia says hi", [("PERSON", "Maria Garcia")]),
    ],
)
def test_names_stay_names(engine: PiiEngine, text: str, expected: list[tuple[str, str]]) -> None:
    assert [hit for hit in labels_of(engine, text) if hit[0] == "PERSON"] == expected
