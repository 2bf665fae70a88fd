"""`bastion check-config` refuses what start-up refuses: inline rules routing to a model or provider that is
not configured, and `then.redact` overrides while PII protection is off."""

from __future__ import annotations

from pathlib import Path

import pytest

from bastion.cli import main

CONFIG = """
providers: [{name: demo, type: demo}]
models: [{name: echo, provider: demo, model: echo}]
pii: {enabled: false}
policies:
  - {id: to-nowhere, then: {action: route, route_to: no-such-model}}
  - {id: via-nobody, then: {action: route, route_provider: no-such-provider}}
  - {id: redact-off, then: {action: redact, redact: {EMAIL: mask}}}
  - {id: fine, then: {action: route, route_to: echo}}
"""


def test_check_config_names_every_unknown_reference(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bastion.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    assert main(["check-config", str(path)]) == 2
    err = capsys.readouterr().err
    assert "policies.0.then.route_to: unknown model 'no-such-model'" in err
    assert "policies.1.then.route_provider: unknown provider 'no-such-provider'" in err
    assert "policies.2.then.redact: needs pii.enabled: true" in err
    assert "policies.3" not in err
    assert "3 error(s)" in err


def test_check_config_accepts_rules_that_resolve(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    valid = CONFIG.replace("route_to: no-such-model", "route_to: echo").replace("no-such-provider", "demo")
    path = tmp_path / "bastion.yaml"
    path.write_text(valid.replace("pii: {enabled: false}", "pii: {enabled: true}"), encoding="utf-8")
    assert main(["check-config", str(path)]) == 0
    assert "OK (1 providers, 1 models)" in capsys.readouterr().out
