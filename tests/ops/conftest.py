"""The shipped artefacts, built once per session: the sdist and the wheel built from it (`python -m build`,
as a release or the container's builder stage does), and a fresh venv with only the wheel installed (as
`pip install bastion-gateway` or the container's final stage does)."""

from __future__ import annotations

import subprocess
import sys
import venv
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True, slots=True)
class Installed:
    wheel: Path
    sdist: Path
    venv: Path

    @property
    def bastion(self) -> Path:
        return self.venv / "bin" / "bastion"


def _run(args: list[str | Path]) -> None:
    done = subprocess.run(args, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, f"{args} failed:\n{done.stdout}\n{done.stderr}"


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    dist = tmp_path_factory.mktemp("dist")
    # sdist first, then the wheel from the unpacked sdist: a file missing from the sdist fails here too
    _run([sys.executable, "-m", "build", "--outdir", dist, ROOT])
    (wheel,) = dist.glob("*.whl")
    (sdist,) = dist.glob("*.tar.gz")
    env = tmp_path_factory.mktemp("venv") / "venv"
    venv.EnvBuilder(with_pip=True).create(env)
    _run([env / "bin" / "python", "-m", "pip", "install", "-q", "--disable-pip-version-check", wheel])
    return Installed(wheel, sdist, env)
