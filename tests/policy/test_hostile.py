"""Hostile patterns and inputs cannot hang a worker: RE2 matching is linear, catastrophic-backtracking
patterns are matched in linear time and backtracking-only syntax is refused at load. Each check runs in a
thread with a generous deadline: a liveness check (a hang fails it), not a timing assertion."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError

from bastion.config.policy_document import PolicyDocument
from bastion.config.policy_regex import MAX_PATTERN_CHARS
from bastion.policy.compiled import compile_document
from bastion.policy.facts import Facts

DEADLINE = 30.0  # seconds; catastrophic backtracking on these inputs would take years


def finishes(fn: Callable[[], Any]) -> Any:
    box: list[Any] = []
    worker = threading.Thread(target=lambda: box.append(fn()), daemon=True)
    worker.start()
    worker.join(DEADLINE)
    assert not worker.is_alive(), "evaluation did not finish"
    return box[0]


HOSTILE = [
    ("(a+)+$", "a" * 50_000 + "!"),
    ("(a|aa)+$", "a" * 50_000 + "!"),
    ("(.*a){20}", "a" * 30_000),
    ("^(\\w+\\s?)*$", "word " * 20_000 + "!"),
    ("(x+x+)+y", "x" * 50_000),
]


@pytest.mark.parametrize(("pattern", "text"), HOSTILE)
def test_catastrophic_patterns_run_in_linear_time(pattern: str, text: str) -> None:
    s = compile_document(
        {"policies": [{"id": "h", "when": {"text_matches": [pattern]}, "then": {"action": "deny"}}]}
    )
    decision = finishes(lambda: s.evaluate(Facts(texts=[text])))
    assert decision.action in ("deny", "none")


@pytest.mark.parametrize(
    "pattern", ["(a)\\1", "(?=x)y", "(?<!x)y", "(?>a)", "a{1001}", "((a{100}){100}){100}"]
)
def test_backtracking_only_syntax_and_blowups_are_refused(pattern: str) -> None:
    with pytest.raises(ValidationError, match="invalid pattern"):
        PolicyDocument.model_validate(
            {"policies": [{"id": "h", "when": {"text_matches": [pattern]}, "then": {"action": "flag"}}]}
        )


def test_oversized_pattern_is_refused() -> None:
    with pytest.raises(ValidationError, match="longer than"):
        PolicyDocument.model_validate(
            {
                "policies": [
                    {
                        "id": "h",
                        "when": {"text_matches": ["a" * (MAX_PATTERN_CHARS + 1)]},
                        "then": {"action": "flag"},
                    }
                ]
            }
        )


def test_huge_and_odd_inputs() -> None:
    rules = [
        {
            "id": f"r{i}",
            "when": {"text_matches": [f"(?i)secret\\s+{i}\\b"], "keywords": ["zzz"]},
            "then": {"action": "deny"},
        }
        for i in range(50)
    ]
    s = compile_document({"policies": rules})
    texts = ["x" * 2_000_000, "\x00\ud800 broken surrogate \udfff", "😀" * 100_000, ""]
    decision = finishes(lambda: s.evaluate(Facts(texts=texts)))
    assert decision.action == "none"


def test_expression_on_hostile_text_is_linear() -> None:
    rule = {
        "id": "e",
        "when": {"expr": "request.text ~ '(a+)+$' and len(request.text) > 10"},
        "then": {"action": "deny"},
    }
    s = compile_document({"policies": [rule]})
    assert finishes(lambda: s.evaluate(Facts(texts=["a" * 100_000 + "!"]))).action == "none"
