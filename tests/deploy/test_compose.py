"""deploy/compose.yaml, validated as far as this machine allows (no Docker daemon, no Docker Hub images):
the file against the compose-spec JSON schema (bundled in check-jsonschema, MIT/Apache licensed there),
every file it mounts or builds from exists, the gateway config passes `bastion check-config`, Prometheus'
config passes `promtool check config` with the shared alert rules, Grafana gets the dashboard."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

from deploy.conftest import ROOT, tool
from harness import BASTION, bastion_env

DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "compose.yaml"
CHECK_JSONSCHEMA = str(Path(BASTION).with_name("check-jsonschema"))


def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


def validate(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CHECK_JSONSCHEMA, "--builtin-schema", "vendor.compose-spec", str(path)],
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip


def test_compose_file_matches_the_compose_spec(tmp_path: Path) -> None:
    done = validate(COMPOSE)
    assert done.returncode == 0, done.stdout + done.stderr
    # the check has teeth: a misspelt key fails it
    broken = tmp_path / "compose.yaml"
    broken.write_text(COMPOSE.read_text().replace("stop_grace_period:", "stop_grace_periode:"))
    assert validate(broken).returncode != 0


def test_services_and_what_they_mount() -> None:
    spec = compose()
    services = spec["services"]
    assert set(services) == {"bastion-1", "bastion-2", "postgres", "redis", "prometheus", "grafana"}
    for name in ("bastion-1", "bastion-2"):
        gw = services[name]
        assert gw["read_only"] is True and gw["tmpfs"] == ["/tmp"]
        assert gw["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert gw["stop_grace_period"] == "40s"
        assert (DEPLOY / gw["build"]["context"] / gw["build"]["dockerfile"]).is_file()
    for svc in services.values():
        for volume in svc.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (DEPLOY / source).is_file(), source
    for config in spec["configs"].values():
        assert (DEPLOY / config["file"]).is_file()


def test_gateway_config_passes_check_config(tmp_path: Path) -> None:
    key = tmp_path / "openai_api_key"
    key.write_text("sk-placeholder\n")
    b64 = base64.b64encode(os.urandom(32)).decode()
    env = bastion_env(
        BASTION_ADMIN_KEY="compose-admin-key-0123456789", BASTION_METRICS_TOKEN="compose-metrics-0123456789",
        POSTGRES_PASSWORD="pw", OPENAI_API_KEY_FILE=str(key), BASTION_AUDIT_SIGNING_KEY=b64,
        BASTION_AUDIT_CONTENT_KEY=b64, BASTION_AUDIT_HASH_KEY=b64,
    )  # fmt: skip
    done = subprocess.run([BASTION, "check-config", str(DEPLOY / "compose" / "bastion.yaml")], env=env,
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    # without the secret file the error names the path the compose secret is mounted at
    env.pop("OPENAI_API_KEY_FILE")
    done = subprocess.run([BASTION, "check-config", str(DEPLOY / "compose" / "bastion.yaml")], env=env,
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert "api_key_file: cannot read /run/secrets/openai_api_key" in done.stderr


def test_prometheus_config_scrapes_both_replicas_with_the_shared_rules(tmp_path: Path) -> None:
    ours = yaml.safe_load((DEPLOY / "compose" / "prometheus.yml").read_text())
    shared = yaml.safe_load((DEPLOY / "observability" / "prometheus.yml").read_text())
    job, shared_job = ours["scrape_configs"][0], shared["scrape_configs"][0]
    assert job["static_configs"] == [{"targets": ["bastion-1:8080", "bastion-2:8080"]}]
    assert job["authorization"]["credentials_file"] == "/run/secrets/bastion_metrics_token"
    # the rest is the shared config (kept in step with it)
    same = {k: v for k, v in job.items() if k not in ("static_configs", "authorization")}
    assert same == {k: v for k, v in shared_job.items() if k not in ("static_configs", "authorization")}
    assert ours["rule_files"] == shared["rule_files"] and ours["global"] == shared["global"]
    promtool = tool("promtool", ".ci/run installs Debian's prometheus package")
    shutil.copy(DEPLOY / "compose" / "prometheus.yml", tmp_path / "prometheus.yml")
    shutil.copy(DEPLOY / "observability" / "alerts.yaml", tmp_path / "alerts.yaml")
    done = subprocess.run([promtool, "check", "config", "--syntax-only", str(tmp_path / "prometheus.yml")],
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_grafana_provisions_the_dashboard() -> None:
    grafana = compose()["services"]["grafana"]
    mounts = dict(v.split(":")[:2] for v in grafana["volumes"] if v.startswith("."))
    assert mounts["./observability/grafana-dashboard.json"].startswith("/var/lib/grafana/dashboards/")
    providers = yaml.safe_load((DEPLOY / "compose" / "grafana" / "dashboards.yaml").read_text())["providers"]
    assert providers[0]["options"]["path"] == "/var/lib/grafana/dashboards"
    sources = yaml.safe_load((DEPLOY / "compose" / "grafana" / "datasource.yaml").read_text())["datasources"]
    assert sources[0]["type"] == "prometheus" and sources[0]["url"] == "http://prometheus:9090"
