"""`bastion policy check` and `bastion policy test`, run as the installed command."""

# ruff: noqa: E501

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import yaml

from harness import BASTION

RULES = {
    "policies": [
        {"id": "eu-only", "scope": {"teams": ["eu-team"]}, "then": {"action": "route", "require_region": "eu"}},
        {"id": "falcon", "when": {"text_matches": ["(?i)project\\s+falcon"]},
         "then": {"action": "deny", "message": "Project Falcon is confidential"}},
        {"id": "cards", "when": {"pii": ["CREDIT_CARD"]}, "then": {"action": "redact", "redact": {"CREDIT_CARD": "block"}}},
        {"id": "cap", "when": {"tokens_over": 1}, "then": {"action": "transform", "max_tokens": 100}},
        {"id": "out", "on": "response", "when": {"pii": ["SECRET"]}, "then": {"action": "deny"}},
    ]
}  # fmt: skip


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([BASTION, *args], capture_output=True, text=True, timeout=120, check=False)


def test_check_valid_file_directory_and_config(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(yaml.safe_dump(RULES))
    r = run("policy", "check", str(rules))
    assert r.returncode == 0, r.stderr
    assert "OK (5 rules: 4 request, 1 response)" in r.stdout
    folder = tmp_path / "dir"
    folder.mkdir()
    (folder / "a.yaml").write_text(yaml.safe_dump(RULES["policies"][:2]))
    (folder / "b.json").write_text(json.dumps(RULES["policies"][2:]))
    assert "OK (5 rules" in run("policy", "check", str(folder)).stdout
    config = tmp_path / "bastion.yaml"
    config.write_text(
        yaml.safe_dump({"policies": RULES["policies"][:1], "policy": {"path": str(folder)}, "models": []})
    )
    r = run("policy", "check", str(config))
    assert r.returncode == 2 and "duplicate rule id 'eu-only'" in r.stderr  # inline + directory both have it


def test_check_reports_every_error_with_its_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "policies:\n"
        "  - id: a\n    when: {expr: 'request.prompt_tokens >', text_matches: ['(a)\\1']}\n    then: {action: deny}\n"
        "  - id: b\n    then: {action: teleport}\n"
    )
    r = run("policy", "check", str(bad))
    assert r.returncode == 2
    assert "policies.0.when.text_matches.0: invalid pattern" in r.stderr
    assert "policies.0.when.expr: unexpected end of expression" in r.stderr
    assert "policies.1.then.action" in r.stderr
    assert "3 error(s)" in r.stderr


def test_test_prints_the_decision_and_trace(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(yaml.safe_dump(RULES))
    req = tmp_path / "req.json"
    req.write_text(json.dumps({
        "caller": {"team": "eu-team"},
        "body": {"model": "gpt-4o", "max_tokens": 900,
                 "messages": [{"role": "user", "content": "pay with 4111 1111 1111 1111"}]},
    }))  # fmt: skip
    r = run("policy", "test", "--config", str(rules), "--request", str(req))
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert [m["id"] for m in out["decision"]["matched"]] == ["eu-only", "cards", "cap"]
    assert out["decision"]["require_region"] == ["eu"]
    assert out["route_constraints"]["regions"] == ["eu"]
    assert out["pii_overrides"] == {"CREDIT_CARD": "block"}
    assert out["body"]["max_tokens"] == 100
    assert {t["id"]: t["result"] for t in out["trace"]}["falcon"] == "no match"
    assert out["response_rules"] == ["out"]

    denied = tmp_path / "deny.json"
    denied.write_text(json.dumps({"model": "claude-3", "system": "x", "max_tokens": 10,
                                  "messages": [{"role": "user", "content": "Project Falcon plans"}]}))  # fmt: skip
    r = run("policy", "test", "--config", str(rules), "--request", str(denied), "--api", "anthropic.messages",
            "--exit-code")  # fmt: skip
    assert r.returncode == 1
    out = json.loads(r.stdout)
    assert out["decision"]["denied_by"] == "falcon"
    assert out["error"] == "403 Blocked by policy 'falcon': Project Falcon is confidential"
