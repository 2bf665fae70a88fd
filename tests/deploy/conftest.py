"""Deployment artefacts (Dockerfile, deploy/compose.yaml, deploy/helm/bastion): the tools that check them.

A tool that is missing fails the test in CI (`BASTION_TEST_REQUIRE_SERVICES`, set by .ci/run, which installs
them) and skips it elsewhere, saying how to install it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / ".tools" / "bin"  # binaries taken from registry packages by .ci/install-tools


def tool(name: str, how: str) -> str:
    found = shutil.which(name) or (str(TOOLS / name) if (TOOLS / name).is_file() else None)
    if found is None:
        if os.environ.get("BASTION_TEST_REQUIRE_SERVICES"):
            pytest.fail(f"{name} is missing ({how})")
        pytest.skip(f"{name} is not installed ({how})")
    return found
