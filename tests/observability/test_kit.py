"""The operator's kit in deploy/observability/: the alert rules pass `promtool check rules`, and every
metric the Grafana dashboard and the rules query is exported by a running gateway."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from fakes import Fakes
from harness import Gateway, auth, free_port, gateway_config

KIT = Path(__file__).resolve().parents[2] / "deploy" / "observability"
DASHBOARD = KIT / "grafana-dashboard.json"
RULES = KIT / "alerts.yaml"
METRIC = re.compile(r"\b((?:bastion|gen_ai)_[a-z0-9_]+)\b")
# label matchers, `by (...)` groupings and label_values()'s label: what is left names metrics only
LABELS = re.compile(r"\{[^}]*\}|\b(?:by|without)\s*\([^)]*\)|,\s*\w+\s*\)")
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}


def _promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        if os.environ.get("BASTION_TEST_REQUIRE_SERVICES"):
            pytest.fail("promtool is missing (.ci/run installs Debian's prometheus package)")
        pytest.skip("promtool is not installed (apt-get install prometheus)")
    return found


def dashboard_exprs() -> list[str]:
    data = json.loads(DASHBOARD.read_text())
    exprs = [t["expr"] for p in data["panels"] for t in p.get("targets", ())]
    exprs += [v["query"]["query"] for v in data["templating"]["list"] if isinstance(v.get("query"), dict)]
    return exprs


def rule_exprs() -> list[str]:
    data = yaml.safe_load(RULES.read_text())
    return [r["expr"] for g in data["groups"] for r in g["rules"]]


@pytest.fixture(scope="module")
def exported(fakes: Fakes, tmp_path_factory: pytest.TempPathFactory) -> Iterator[set[str]]:
    config = gateway_config(fakes, free_port(), tmp_path_factory.mktemp("obs-kit") / "bastion.db")
    gw = Gateway.start(config)
    try:
        text = httpx.get(gw.url + "/metrics", headers=auth(), timeout=10).text
    finally:
        gw.stop()
    names: set[str] = set()
    for family in text_string_to_metric_families(text):
        names |= {family.name + suffix for suffix in SUFFIXES[family.type]}
    yield names


def test_alert_rules_pass_promtool() -> None:
    r = subprocess.run([_promtool(), "check", "rules", str(RULES)], capture_output=True, text=True,
                       timeout=60, check=False)  # fmt: skip
    assert r.returncode == 0, r.stdout + r.stderr
    alerts = {r["alert"] for g in yaml.safe_load(RULES.read_text())["groups"] for r in g["rules"]}
    assert {"BastionHighErrorRate", "BastionAddedLatencyHigh", "BastionBudgetAt80Percent",
            "BastionBreakerOpen", "BastionAuditBacklog"} <= alerts  # fmt: skip


@pytest.mark.parametrize("source", ["dashboard", "rules"])
def test_every_queried_metric_is_exported(source: str, exported: set[str]) -> None:
    exprs = dashboard_exprs() if source == "dashboard" else rule_exprs()
    queried = {m for e in exprs for m in METRIC.findall(LABELS.sub(" ", e))}
    assert len(queried) >= (20 if source == "dashboard" else 6)
    assert queried - exported == set()


def test_dashboard_covers_the_operators_questions() -> None:
    data = json.loads(DASHBOARD.read_text())
    text = " ".join(p["title"].lower() for p in data["panels"])
    for topic in ("requests", "error", "latency", "spend", "denials", "pii", "guardrail", "breaker",
                  "budget", "audit", "cache", "time to first token"):  # fmt: skip
        assert topic in text, topic
