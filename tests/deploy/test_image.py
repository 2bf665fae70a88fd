"""The container image, built and run with podman where Docker Hub is out of reach: the Dockerfile is built
on a Debian bookworm base made from Debian's packages (.ci/container-base) instead of the default
python:3.12-slim-bookworm, then run with a read-only root filesystem as its non-root user; /healthz,
/readyz, a chat completion, the image's HEALTHCHECK, and a graceful stop (exit 0, data on the volume)."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from deploy.conftest import ROOT, tool
from harness import ADMIN_KEY, free_port, wait_ready

BASE = "localhost/bastion-ci-base:bookworm"
IMAGE = "localhost/bastion:test"
# this machine's sandbox may not raise resource limits: podman's defaults are lowered (harmless elsewhere)
RUN = ["--runtime", "runc", "--ulimit", "nofile=4096:4096", "--ulimit", "nproc=4096:4096"]


def _run(args: list[str], timeout: float = 900) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    assert done.returncode == 0, f"{args} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def podman() -> str:
    how = ".ci/run installs Debian's podman, runc and mmdebstrap"
    for name in ("mmdebstrap", "runc"):
        tool(name, how)
    return tool("podman", how)


@pytest.fixture(scope="module")
def image(podman: str) -> str:
    _run([str(ROOT / ".ci" / "container-base"), BASE])
    _run([podman, "build", "--isolation=chroot", "--format", "docker", "--build-arg", f"PYTHON_IMAGE={BASE}",
          "-t", IMAGE, str(ROOT)])  # fmt: skip
    return IMAGE


@pytest.fixture
def container(podman: str, image: str, tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    data = tmp_path / "data"
    data.mkdir()
    os.chown(data, 10001, 10001)
    port = free_port()
    name = f"bastion-test-{port}"
    _run([podman, "run", "-d", "--name", name, *RUN, "--network", "host", "--read-only",
          "-v", f"{data}:/var/lib/bastion", "-e", f"BASTION_ADMIN_KEY={ADMIN_KEY}",
          "-e", f"BASTION_HEALTH_URL=http://127.0.0.1:{port}/healthz",
          image, "serve", "--host", "127.0.0.1", "--port", str(port)])  # fmt: skip
    try:
        yield name, f"http://127.0.0.1:{port}", data
    finally:
        subprocess.run([podman, "rm", "-f", name], capture_output=True, check=False, timeout=120)


@pytest.mark.slow
def test_image_metadata(podman: str, image: str) -> None:
    info = json.loads(_run([podman, "image", "inspect", image]).stdout)[0]
    config = info["Config"]
    assert config["User"] == "10001:10001"
    assert config["Entrypoint"] == ["bastion"]
    assert "/var/lib/bastion" in config["Volumes"]
    assert "BASTION_HEALTH_URL" in " ".join(info["Healthcheck"]["Test"])
    assert "BASTION_HEALTH_URL=http://127.0.0.1:8080/healthz" in config["Env"]


@pytest.mark.slow
def test_container_serves_read_only_and_stops_cleanly(podman: str, container: tuple[str, str, Path]) -> None:
    name, url, data = container
    wait_ready(url, timeout=90)
    assert httpx.get(url + "/healthz", timeout=5).json()["status"] == "ok"
    body = {"model": "demo-echo", "messages": [{"role": "user", "content": "ping"}]}
    r = httpx.post(url + "/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {ADMIN_KEY}"},
                   timeout=30)  # fmt: skip
    assert r.status_code == 200, r.text
    health = subprocess.run([podman, "healthcheck", "run", name], capture_output=True, timeout=60,
                            check=False)  # fmt: skip
    assert health.returncode == 0, health.stderr

    def inside(*cmd: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([podman, "exec", name, *cmd], capture_output=True, text=True, timeout=60,
                              check=False)  # fmt: skip

    assert inside("id", "-u").stdout.strip() == "10001"
    assert inside("touch", "/opt/bastion/x").returncode != 0, "the root filesystem is writable"
    for absent in ("/opt/bastion/bin/pip", "/usr/bin/gcc", "/usr/bin/cc", "/src"):
        assert inside("test", "-e", absent).returncode != 0, f"{absent} is in the final image"

    _run([podman, "stop", "--time", "40", name], timeout=120)  # SIGTERM: the graceful drain
    state = json.loads(_run([podman, "inspect", name]).stdout)[0]["State"]
    assert state["ExitCode"] == 0
    logs = _run([podman, "logs", name]).stderr
    assert "draining" in logs
    assert (data / "bastion.db").is_file()  # the data lives on the volume
