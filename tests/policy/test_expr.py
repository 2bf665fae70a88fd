"""The `when.expr` language: a table of expressions and what they evaluate to, and a table of texts that
must be rejected with a position (never evaluated, never Python)."""

from __future__ import annotations

from typing import Any

import pytest

from bastion.config.policy_expr import MAX_CHARS, MAX_DEPTH, ExprError, compile_expr
from bastion.config.policy_names import RESOLVER
from bastion.policy.facts import Facts

FACTS = Facts(
    api="anthropic.messages",
    model="claude-3-haiku",
    texts=["x" * 20000, "Project FALCON is here"],
    headers={"x-bastion-meta-project": "apollo", "x-team-tag": "blue", "authorization": "Bearer sk-secret"},
    team="eu-team",
    key_id="key_1",
    key_name="ci-bot",
    user="ana",
    stream=True,
    max_tokens=1000,
    tools=2,
    messages=3,
    use_case="support",
    app="billing",
    now=1_700_000_000.0,  # 2023-11-14 22:13:20 UTC, a Tuesday
)
FACTS.scores["toxicity"] = 0.91

CASES: list[tuple[str, Any]] = [
    ("request.prompt_tokens > 1000", True),
    ("request.prompt_tokens > 4000 and request.prompt_tokens < 6000", True),
    ("request.prompt_tokens", 5006),
    ("request.model == 'claude-3-haiku'", True),
    ('request.model matches "claude-*"', True),
    ('request.model matches ["gpt-*", "o1*"]', False),
    ('request.api == "anthropic.messages"', True),
    ("request.stream", True),
    ("not request.stream", False),
    ("request.tools >= 2 and request.messages == 3", True),
    ("request.max_tokens / 0", None),
    ("request.max_tokens % 7", 6),
    ("-request.max_tokens + 1", -999),
    ("2 + 3 * 4", 14),
    ("(2 + 3) * 4", 20),
    ("'a' + 'b'", "ab"),
    ("'a' + 1", None),
    ("caller.team in ['eu-team', 'fr-team']", True),
    ("caller.team not in ['eu-team']", False),
    ("caller.key == 'key_1' or caller.key_name == 'nope'", True),
    ("caller.user == 'ana' and caller.app == 'billing'", True),
    ("caller.role == null", True),
    ("caller.team_id == null", True),
    ("request.use_case == 'support'", True),
    ("metadata.project == 'apollo'", True),
    ("metadata.missing == null", True),
    ("headers.x_team_tag == 'blue'", True),
    ("headers.authorization", None),  # credentials are never readable
    ("scores.toxicity > 0.8", True),
    ("scores.prompt_injection > 0.8", False),  # no scorer on these facts: null compares false
    ("scores.prompt_injection < 0.8", False),
    ("time.weekday == 'tue' and time.hour == 22", True),
    ("time.minute", 13),
    ("request.text ~ '(?i)project\\\\s+falcon'", True),
    ("request.text ~ '^nothing$'", False),
    ("'FALCON' in request.text", True),
    ("contains(lower(request.text), 'falcon')", True),
    ("startswith(request.model, 'claude') and endswith(request.model, 'haiku')", True),
    ("len(request.text) > 4000", True),
    ("len(caller.role)", None),
    ("upper(caller.user)", "ANA"),
    ("lower(1)", None),
    ("1 < 'a'", False),
    ("true == 1", True),  # Python equality: documented
    ("'10' > 9", False),  # mismatched types never order
    ("'b' > 'a'", True),
    ("1.5 >= 1.5", True),
    ("[1, 2, 3]", [1, 2, 3]),
    ("[]", []),
    ("2 in []", False),
    ("'x' in caller.role", False),
    ("'it\\'s' == \"it's\"", True),
    ("'a\\nb'", "a\nb"),
    ("not not true", True),
    ("false or false or true", True),
    ("true and true and false", False),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_expression_evaluates(text: str, expected: Any) -> None:
    assert compile_expr(text, RESOLVER)(FACTS) == expected


REJECTED: list[tuple[str, str]] = [
    ("", "empty expression"),
    ("   ", "empty expression"),
    ("request.prompt_tokens >", "unexpected end of expression"),
    ("request.nope > 1", "unknown attribute 'request.nope'"),
    ("scores.sentiment > 0.5", "unknown attribute 'scores.sentiment'"),  # a score no check gives
    ("__import__('os')", "unknown function '__import__'"),
    ("eval('1')", "unknown function 'eval'"),
    ("request.model.__class__", "unknown attribute"),
    ("caller.team == 'x' ; 1", "unexpected character ';'"),
    ("len(1, 2)", "len() takes 1 argument(s), got 2"),
    ("(1 + 2", "expected ')'"),
    ("1 +* 2", "unexpected '*'"),
    ("'unterminated", "unexpected character"),
    ("'bad \\q escape'", "unknown escape"),
    ("request.text ~ caller.team", "'~' needs a string literal"),
    ("request.text ~ '(a)\\\\1'", "invalid pattern"),
    ("1 == 1 2", "unexpected 2"),
    ("and", "unexpected keyword 'and'"),
    ("request.", "expected an attribute name"),
    ("x" * (MAX_CHARS + 1), f"longer than {MAX_CHARS}"),
    ("(" * (MAX_DEPTH + 2) + "1" + ")" * (MAX_DEPTH + 2), f"deeper than {MAX_DEPTH}"),
    ("not " * (MAX_DEPTH + 2) + "true", f"deeper than {MAX_DEPTH}"),
    ("-" * (MAX_DEPTH + 2) + "1", f"deeper than {MAX_DEPTH}"),
]


@pytest.mark.parametrize(("text", "message"), REJECTED)
def test_invalid_expression_is_rejected_with_its_position(text: str, message: str) -> None:
    with pytest.raises(ExprError) as info:
        compile_expr(text, RESOLVER)
    assert message in str(info.value)
    assert "(at character" in str(info.value)
