"""Invalid rule sets are rejected with the exact field and reason; valid ones round-trip."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from bastion.config.policy_document import PolicyDocument


def rule(**kw: Any) -> dict[str, Any]:
    return {"id": "r1", "then": {"action": "flag"}} | kw


INVALID: list[tuple[dict[str, Any], str, str]] = [
    (rule(id="has space"), "policies.0.id", "pattern"),
    (rule(mode="audit"), "policies.0.mode", "'enforce' or 'shadow'"),
    (rule(then={"action": "explode"}), "policies.0.then.action", "Input should be"),
    (rule(then={"action": "deny", "colour": "red"}), "policies.0.then.colour", "Extra inputs"),
    (rule(when={"text_matches": ["ok", "(a)\\1"]}), "policies.0.when.text_matches.1", "invalid pattern"),
    (rule(when={"text_matches": ["(?<=x)y"]}), "policies.0.when.text_matches.0", "invalid pattern"),
    (rule(when={"text_matches": ["x{1001}"]}), "policies.0.when.text_matches.0", "invalid"),
    (rule(when={"pii": ["SSN", "DNA"]}), "policies.0.when.pii.1", "unknown PII type DNA"),
    (rule(when={"expr": "request.tokens > 1"}), "policies.0.when.expr", "unknown attribute 'request.tokens'"),
    (rule(when={"apis": ["cohere.chat"]}), "policies.0.when.apis", "unknown API"),
    (rule(when={"time": {"start": "25:00"}}), "policies.0.when.time.start", "HH:MM"),
    (rule(when={"time": {"days": ["funday"]}}), "policies.0.when.time.days", "unknown day"),
    (rule(when={"keywords": [" "]}), "policies.0.when.keywords", "may not be empty"),
    (rule(when={"tokens_over": -1}), "policies.0.when.tokens_over", "greater than or equal"),
    (rule(then={"action": "route"}), "policies.0", "needs route_to"),
    (rule(then={"action": "transform"}), "policies.0", "needs max_tokens"),
    (rule(then={"action": "redact"}), "policies.0", "needs then.redact"),
    (
        rule(then={"action": "redact", "redact": {"DNA": "mask"}}),
        "policies.0.then.redact.DNA.[key]",
        "unknown PII",
    ),
    (
        rule(then={"action": "redact", "redact": {"SSN": "shred"}}),
        "policies.0.then.redact.SSN",
        "Input should",
    ),
    (rule(then={"action": "transform", "max_tokens": 0}), "policies.0.then.max_tokens", "greater than 0"),
    (
        rule(on="response", then={"action": "route", "route_to": "x"}),
        "policies.0",
        "can deny, redact or flag",
    ),
    (rule(on="response", then={"action": "redact"}), "policies.0", "needs when.text_matches"),
]


@pytest.mark.parametrize(("data", "field", "message"), INVALID)
def test_invalid_rule_names_its_field(data: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(ValidationError) as info:
        PolicyDocument.model_validate({"policies": [data]})
    errors = {".".join(str(p) for p in e["loc"]): e["msg"] for e in info.value.errors()}
    assert field in errors, errors
    assert message in errors[field]


def test_duplicate_ids_are_rejected() -> None:
    with pytest.raises(ValidationError, match="duplicate rule id 'r1'"):
        PolicyDocument.model_validate({"policies": [rule(), rule()]})


def test_issue_example_is_valid() -> None:
    doc = PolicyDocument.model_validate(
        {
            "policies": [
                {
                    "id": "eu-only",
                    "description": "EU teams use EU-hosted models only",
                    "mode": "enforce",
                    "scope": {"teams": ["eu-team"]},
                    "when": {
                        "text_matches": ["(?i)project\\s+falcon"],
                        "pii": ["CREDIT_CARD", "SSN"],
                        "models": ["gpt-*"],
                        "use_case": ["support"],
                        "expr": "request.prompt_tokens > 4000",
                    },
                    "then": {
                        "action": "deny",
                        "message": "Project Falcon is confidential",
                        "require_region": "eu",
                        "redact": {"CREDIT_CARD": "mask"},
                        "route_to": "some-model",
                        "max_tokens": 512,
                    },
                }
            ]
        }
    )
    assert doc.policies[0].scope.specificity == 2
    assert doc.policies[0].when.content


def cookbook_blocks() -> list[str]:
    from pathlib import Path

    text = (Path(__file__).parents[2] / "docs" / "policy.md").read_text()
    cookbook = text.split("\n## Cookbook", 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]
    return [block.split("```", 1)[0] for block in cookbook.split("```yaml\n")[1:]]


def test_docs_cookbook_rules_are_valid() -> None:
    import yaml

    from bastion.policy.compiled import compile_document

    rules = [rule for block in cookbook_blocks() for rule in yaml.safe_load(block)]
    assert len(cookbook_blocks()) == 5
    compiled = compile_document({"policies": rules})
    assert len(compiled) == len(rules) >= 10


def test_references_the_gateway_cannot_serve() -> None:
    from bastion.policy.runtime import unknown_references

    doc = PolicyDocument.model_validate(
        {
            "policies": [
                {"id": "a", "then": {"action": "route", "route_to": "nope", "route_provider": "gone"}},
                {"id": "b", "then": {"action": "redact", "redact": {"EMAIL": "mask"}}},
                {"id": "c", "then": {"action": "route", "route_to": "gpt-4o"}},
            ]
        }
    )
    errors = unknown_references(doc, {"gpt-4o"}, {"openai"}, pii_enabled=False)
    assert [e["field"] for e in errors] == [
        "policies.0.then.route_to",
        "policies.0.then.route_provider",
        "policies.1.then.redact",
    ]
    assert unknown_references(doc, {"gpt-4o", "nope"}, {"gone"}) == []
