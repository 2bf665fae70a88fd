"""The `bastion` command, run as a subprocess: --version, check-config, and serve (embedded default config,
generated admin key, a config file with ${VAR}s, several workers)."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from bastion import __version__
from bastion.cli import main
from fakes import Fakes
from harness import BASTION, PROVIDER_KEYS, Served, bastion_env, free_port, marker, wait_ready

DEMO_KEY = "cli-test-admin-key-0123456789"


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [BASTION, *args], check=False, capture_output=True, text=True, env=bastion_env(), cwd=cwd, timeout=30
    )


def ask_demo(url: str, key: str) -> httpx.Response:
    body = {"model": "demo-echo", "messages": [{"role": "user", "content": "ping"}]}
    return httpx.post(f"{url}/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {key}"})


def test_version() -> None:
    out = run("--version")
    assert out.returncode == 0
    assert out.stdout.strip() == f"bastion {__version__}"


BROKEN = """
admin_key: short
server: {prot: 8080}
providers:
  - {name: oai, type: openai, api_key: "${BASTION_TEST_NOT_SET}"}
  - {name: az, type: azure-openai, api_key: k}
models:
  - {name: m, provider: ghost, model: x}
"""


def test_check_config_reports_every_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(BROKEN)
    out = run("check-config", str(path))
    assert out.returncode == 2
    for expected in (
        "admin_key",
        "server.prot: unknown key",
        "providers[0].api_key: environment variable BASTION_TEST_NOT_SET",
        "providers[1]: base_url is required",
    ):
        assert expected in out.stderr, out.stderr
    assert re.search(r"\d+ error\(s\)", out.stderr)


@pytest.mark.parametrize(
    ("text", "what"),
    [("a: [1, 2\n", "invalid YAML (line"), ("- 1\n", "must be a mapping")],
    ids=["yaml", "list"],
)
def test_check_config_unreadable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, what: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    assert main(["check-config", str(path)]) == 2
    assert what in capsys.readouterr().err


def test_check_config_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-config", str(tmp_path / "nope.yaml")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_check_config_valid(tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text(
        "providers:\n  - {name: demo, type: demo}\nmodels:\n  - {name: m, provider: demo, model: echo}\n"
    )
    out = run("check-config", str(path))
    assert out.returncode == 0, out.stderr
    assert "OK (1 providers, 1 models)" in out.stdout


def _config_file(directory: Path, fakes: Fakes) -> Path:
    """Keys come from ${VAR}s; one model answers, one fails, one is refused by a provider quoting its key."""
    config = {
        "admin_key": "${BASTION_TEST_ADMIN}",
        "database_url": f"sqlite:///{directory / 'gw.db'}",
        "providers": [
            {"name": "openai", "type": "openai", "base_url": f"{fakes.openai.url}/v1", "api_key": "${OAI}"},
            {"name": "gemini", "type": "gemini", "base_url": fakes.gemini.url + "/v1beta",
             "api_key": "${GEM}"},
        ],
        "models": [
            {"name": "ok", "provider": "openai", "model": "fake-echo"},
            {"name": "boom", "provider": "openai", "model": "fake-fail-500"},
            {"name": "refused", "provider": "gemini", "model": "fake-fail-401"},
        ],
    }  # fmt: skip
    path = directory / "bastion.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory, fakes: Fakes) -> Iterator[dict[str, Served]]:
    """Every `bastion serve` of this module, started at once (each takes a second or two to boot)."""
    dirs = {name: tmp_path_factory.mktemp(name) for name in ("env-key", "generated", "workers", "config")}
    keys = {"OAI": PROVIDER_KEYS["openai"], "GEM": PROVIDER_KEYS["gemini"]}
    config = str(_config_file(dirs["config"], fakes))
    port = str(free_port())
    started = {
        "env-key": Served(["serve", "--port", "0"], bastion_env(BASTION_ADMIN_KEY=DEMO_KEY), dirs["env-key"]),
        "generated": Served(["serve", "--port", "0"], bastion_env(), dirs["generated"]),
        "workers": Served(
            ["serve", "--port", port, "--workers", "2"],
            bastion_env(BASTION_ADMIN_KEY=DEMO_KEY),
            dirs["workers"],
        ),
        "config": Served(
            ["--log-level", "DEBUG", "serve", "--config", config, "--port", "0"],
            bastion_env(BASTION_TEST_ADMIN=DEMO_KEY, **keys),
            dirs["config"],
        ),
    }
    yield started
    for served in started.values():
        served.stop()


def test_serve_embedded_default_with_env_key(servers: dict[str, Served]) -> None:
    served = servers["env-key"]
    url = served.wait_listening()
    wait_ready(url)
    resp = ask_demo(url, DEMO_KEY)
    assert resp.status_code == 200
    assert resp.json()["choices"][0]["message"]["content"] == "Echo: ping"
    assert ask_demo(url, "wrong-key-0123456789").status_code == 401
    log = served.stop()
    assert DEMO_KEY not in log
    assert (Path(served.cwd) / "bastion.db").exists(), "the embedded default keeps its SQLite file in the cwd"


def test_serve_generates_and_prints_a_key_once(servers: dict[str, Served]) -> None:
    served = servers["generated"]
    url = served.wait_listening()
    found = re.findall(r"\(shown once\): (\S+)", served.stderr)
    assert len(found) == 1
    wait_ready(url)
    assert ask_demo(url, found[0]).status_code == 200
    assert ask_demo(url, DEMO_KEY).status_code == 401
    assert served.stop().count(found[0]) == 1


def test_serve_with_two_workers(servers: dict[str, Served]) -> None:
    served = servers["workers"]
    url = served.wait_listening()
    wait_ready(url)
    for _ in range(8):  # fresh connections, spread over the workers by the kernel
        assert ask_demo(url, DEMO_KEY).status_code == 200
    served.stop()
    assert served.proc.returncode is not None


def test_serve_config_file_keeps_secrets_out_of_the_log(servers: dict[str, Served], fakes: Fakes) -> None:
    """`bastion serve --config F --port 0` at DEBUG log level: calls that succeed and fail never print a
    provider key (nor the admin key), and the interpolated keys do reach the provider."""
    served = servers["config"]
    url = served.wait_listening()
    mk = marker()
    headers = {"Authorization": f"Bearer {DEMO_KEY}"}
    for model, status in (("ok", 200), ("boom", 502), ("refused", 502)):
        body = {"model": model, "messages": [{"role": "user", "content": mk}]}
        resp = httpx.post(f"{url}/v1/chat/completions", json=body, headers=headers)
        assert resp.status_code == status
        assert PROVIDER_KEYS["openai"] not in resp.text
        assert PROVIDER_KEYS["gemini"] not in resp.text
    log = served.stop()
    assert fakes.openai.find(mk).headers["authorization"] == f"Bearer {PROVIDER_KEYS['openai']}"
    assert fakes.gemini.find(mk).headers["x-goog-api-key"] == PROVIDER_KEYS["gemini"]
    for secret in (PROVIDER_KEYS["openai"], PROVIDER_KEYS["gemini"], DEMO_KEY):
        assert secret not in log


def test_serve_rejects_a_bad_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("bogus: 1\n")
    assert main(["serve", "--config", str(path), "--port", "0"]) == 2
    assert "config error: bogus: unknown key" in capsys.readouterr().err
