"""Evaluation and precedence on compiled rule sets (no gateway): tables of (rules, request, outcome)."""

from __future__ import annotations

from typing import Any

import pytest

from bastion.policy.compiled import compile_document
from bastion.policy.facts import Facts


class FakeSpan:
    def __init__(self, label: str) -> None:
        self.label = label


def detect(text: str) -> list[Any]:
    """A stand-in detector for unit tables (the real engine runs in the gateway tests)."""
    return [FakeSpan("CREDIT_CARD")] if "4111" in text else []


def facts(text: str = "hello", **kw: Any) -> Facts:
    return Facts(texts=[text], model=kw.pop("model", "gpt-4o"), detect=detect, **kw)


def r(rid: str, action: str = "flag", **kw: Any) -> dict[str, Any]:
    then = {"action": action} | kw.pop("then", {})
    return {"id": rid, "then": then} | kw


def evaluate(rules: list[dict[str, Any]], f: Facts) -> Any:
    return compile_document({"policies": rules}, 7).evaluate(f)


# (rules, facts, action, matched ids, shadow ids)
CASES: list[tuple[list[dict[str, Any]], Facts, str, list[str], list[str]]] = [
    ([], facts(), "none", [], []),
    ([r("f")], facts(), "flag", ["f"], []),
    ([r("d", "deny", when={"text_matches": ["(?i)falcon"]})], facts("Project FALCON"), "deny", ["d"], []),
    ([r("d", "deny", when={"text_matches": ["(?i)falcon"]})], facts("eagle"), "none", [], []),
    ([r("k", "deny", when={"keywords": ["secret sauce"]})], facts("the Secret Sauce!"), "deny", ["k"], []),
    ([r("k", "deny", when={"keywords": ["sauce"]})], facts("saucepan"), "none", [], []),
    ([r("p", "deny", when={"pii": ["CREDIT_CARD"]})], facts("card 4111"), "deny", ["p"], []),
    ([r("p", "deny", when={"pii": ["SSN"]})], facts("card 4111"), "none", [], []),
    ([r("m", "deny", when={"models": ["gpt-*"]})], facts(), "deny", ["m"], []),
    ([r("m", "deny", when={"models_not": ["*-mini"]})], facts(model="gpt-4o-mini"), "none", [], []),
    ([r("m", "deny", when={"models_not": ["*-mini"]})], facts(model="gpt-4o"), "deny", ["m"], []),
    ([r("u", "deny", when={"use_case": ["support"]})], facts(use_case="support"), "deny", ["u"], []),
    ([r("u", "deny", when={"use_case": ["support"]})], facts(), "none", [], []),
    (
        [r("a", "deny", when={"apis": ["anthropic.messages"]})],
        facts(api="anthropic.messages"),
        "deny",
        ["a"],
        [],
    ),
    ([r("t", "deny", when={"tokens_over": 2})], facts("0123456789ab"), "deny", ["t"], []),
    ([r("t", "deny", when={"tokens_over": 3})], facts("0123456789ab"), "none", [], []),
    (
        [r("h", "deny", when={"headers": {"X-Env": ["prod*"]}})],
        facts(headers={"x-env": "production"}),
        "deny",
        ["h"],
        [],
    ),
    ([r("h", "deny", when={"headers": {"x-env": ["prod*"]}})], facts(headers={}), "none", [], []),
    # 2023-11-14 22:13 UTC is a Tuesday
    (
        [r("w", "deny", when={"time": {"days": ["tue"], "start": "22:00", "end": "23:00"}})],
        facts(now=1_700_000_000.0),
        "deny",
        ["w"],
        [],
    ),
    (
        [r("w", "deny", when={"time": {"start": "21:00", "end": "06:00"}})],
        facts(now=1_700_000_000.0),
        "deny",
        ["w"],
        [],
    ),
    (
        [r("w", "deny", when={"time": {"start": "08:00", "end": "18:00"}})],
        facts(now=1_700_000_000.0),
        "none",
        [],
        [],
    ),
    ([r("w", "deny", when={"time": {"days": ["mon"]}})], facts(now=1_700_000_000.0), "none", [], []),
    ([r("e", "deny", when={"expr": "caller.team == 'eu'"})], facts(team="eu"), "deny", ["e"], []),
    # all conditions must hold
    ([r("all", "deny", when={"models": ["gpt-*"], "text_matches": ["x"]})], facts("y"), "none", [], []),
    # scope
    ([r("s", "deny", scope={"teams": ["eu"]})], facts(team="us"), "none", [], []),
    ([r("s", "deny", scope={"teams": ["eu"]})], facts(team_id="eu"), "deny", ["s"], []),
    ([r("s", "deny", scope={"keys": ["ci-bot"]})], facts(key_name="ci-bot"), "deny", ["s"], []),
    ([r("s", "deny", scope={"models": ["claude-*"]})], facts(), "none", [], []),
    # shadow: recorded, never enforced
    ([r("sh", "deny", mode="shadow")], facts(), "none", [], ["sh"]),
    ([r("sh", "deny", mode="shadow"), r("f")], facts(), "flag", ["f"], ["sh"]),
    # deny wins over other actions of any specificity evaluated before it
    ([r("f"), r("d", "deny")], facts(), "deny", ["f", "d"], []),
    # a more specific allow exempts from less specific rules (team exception to a global deny)
    (
        [r("d", "deny"), r("ok", "allow", scope={"teams": ["research"]})],
        facts(team="research"),
        "allow",
        ["ok"],
        [],
    ),
    (
        [r("d", "deny"), r("ok", "allow", scope={"teams": ["research"]})],
        facts(team="sales"),
        "deny",
        ["d"],
        [],
    ),
    # ... but a deny of the same specificity still wins
    ([r("ok", "allow"), r("d", "deny")], facts(), "deny", ["ok", "d"], []),
    # a more specific deny wins over a less specific allow
    ([r("ok", "allow"), r("d", "deny", scope={"keys": ["k1"]})], facts(key_id="k1"), "deny", ["d"], []),
    # shadow rules are evaluated even when exempted or denied
    ([r("d", "deny"), r("sh", "deny", mode="shadow")], facts(), "deny", ["d"], ["sh"]),
]


@pytest.mark.parametrize(("rules", "f", "action", "matched", "shadow"), CASES)
def test_decision(
    rules: list[dict[str, Any]], f: Facts, action: str, matched: list[str], shadow: list[str]
) -> None:
    d = evaluate(rules, f)
    assert d.action == action
    assert [h.id for h in d.hits] == matched
    assert [h.id for h in d.shadow] == shadow
    record = d.record()
    assert record["version"] == 7
    assert record["action"] == action


def test_effects_merge_by_precedence() -> None:
    rules = [
        r("g-region", "route", then={"require_region": ["eu", "us"]}),
        r(
            "t-region",
            "route",
            scope={"teams": ["eu"]},
            then={"require_region": "eu", "route_to": "team-model"},
        ),
        r("g-route", "route", then={"route_to": "global-model"}),
        r("cap-a", "transform", then={"max_tokens": 500, "tools": ["search", "calc"], "system_prompt": "A"}),
        r(
            "cap-b",
            "transform",
            scope={"teams": ["eu"]},
            then={"max_tokens": 200, "tools": ["calc"], "system_prompt": "B"},
        ),
        r("red-a", "redact", then={"redact": {"EMAIL": "mask", "SSN": "block"}}),
        r("red-b", "redact", scope={"teams": ["eu"]}, then={"redact": {"EMAIL": "hash", "SSN": "mask"}}),
    ]
    d = evaluate(rules, facts(team="eu"))
    assert d.regions == frozenset({"eu"})
    assert d.route_to == "team-model"  # most specific first
    assert d.max_tokens == 200
    assert d.tools == frozenset({"calc"})
    assert d.system_prompts == ["B", "A"]
    assert d.redact == {"EMAIL": "hash", "SSN": "block"}  # block always wins
    assert [h.id for h in d.hits][:3] == ["t-region", "cap-b", "red-b"]


def test_conflicting_regions_leave_none_and_strip_wins() -> None:
    rules = [
        r("a", "route", then={"require_region": "eu"}),
        r("b", "route", then={"require_region": "us"}),
        r("c", "transform", then={"tools": ["x"]}),
        r("d", "transform", then={"tools": "strip"}),
    ]
    d = evaluate(rules, facts())
    assert d.regions == frozenset()
    assert d.tools == "strip"


def test_reasons_and_trace_explain_the_decision() -> None:
    rules = [
        r("d", "deny", when={"text_matches": ["(?i)falcon"], "models": ["gpt-*"]}, then={"message": "no"}),
        r("other", "deny", scope={"teams": ["x"]}),
        r("later", "flag"),
    ]
    s = compile_document({"policies": rules}, 2)
    d = s.evaluate(facts("FALCON"), explain=True)
    assert d.deny is not None and d.deny.message == "no"
    assert "text matches '(?i)falcon'" in d.deny.reason and "model 'gpt-4o' matches 'gpt-*'" in d.deny.reason
    assert d.trace == [  # the team-scoped rule is more specific: evaluated first
        {"id": "other", "mode": "enforce", "action": "deny", "result": "no match", "why": "out of scope"},
        {"id": "d", "mode": "enforce", "action": "deny", "result": "matched", "why": d.deny.reason},
        {"id": "later", "mode": "enforce", "action": "flag", "result": "skipped", "why": "denied by d"},
    ]


def test_pii_detection_runs_only_when_other_conditions_held() -> None:
    calls: list[str] = []

    def counting(text: str) -> list[Any]:
        calls.append(text)
        return detect(text)

    s = compile_document(
        {"policies": [r("p", "deny", when={"models": ["claude-*"], "pii": ["CREDIT_CARD"]})]}
    )
    s.evaluate(Facts(texts=["4111"], model="gpt-4o", detect=counting))
    assert calls == []
    f = Facts(texts=["4111", "again"], model="claude-3", detect=counting)
    assert s.evaluate(f).action == "deny"
    assert calls == ["4111", "again"]
    assert set(f.spans) == {"4111", "again"}  # cached per text for the PII stage


def test_response_rules_are_kept_apart() -> None:
    s = compile_document(
        {"policies": [r("out", "deny", on="response", when={"text_matches": ["x"], "models": ["gpt-*"]})]}
    )
    assert s.request_rules == []
    assert [x.id for x in s.response_rules_for(facts())] == ["out"]
    assert s.response_rules_for(facts(model="claude")) == []


def test_pii_in_expressions() -> None:
    s = compile_document({"policies": [r("x", "deny", when={"expr": "'CREDIT_CARD' in request.pii"})]})
    assert s.needs_pii
    assert s.evaluate(facts("card 4111")).action == "deny"
    assert s.evaluate(facts("no card")).action == "none"
