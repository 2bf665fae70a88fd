"""The wheel carries every file the package needs, and `bastion serve` from a fresh venv holding only the
wheel (no source tree, no dev or ner extras) answers /healthz and /readyz."""

from __future__ import annotations

import subprocess
import zipfile

import httpx
import pytest

from harness import bastion_env, free_port, wait_ready
from ops.conftest import ROOT, Installed

SRC = ROOT / "src"


def test_wheel_holds_every_package_file(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    expected = {
        str(p.relative_to(SRC))
        for p in (SRC / "bastion").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }
    assert expected - names == set()
    for data in ("hub/templates/base.html", "hub/static/hub.css", "cost/prices.json", "pii/data/places.txt"):
        assert f"bastion/{data}" in names


def test_fresh_install_has_no_extras(installed: Installed) -> None:
    py = installed.venv / "bin" / "python"
    for module in ("pytest", "spacy"):
        done = subprocess.run([py, "-c", f"import {module}"], capture_output=True, check=False)
        assert done.returncode != 0, f"{module} was installed with the wheel"


@pytest.mark.slow
def test_installed_wheel_serves(installed: Installed, tmp_path) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [installed.bastion, "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=tmp_path, env=bastion_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        wait_ready(url)
        health = httpx.get(url + "/healthz", timeout=5)
        assert health.status_code == 200
        assert health.json()["status"] == "ok"
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert (tmp_path / "bastion.db").exists()  # the data lands in the working directory (the image's volume)
