"""`bastion keys ...` and `bastion teams ...` as subprocesses against each backend; table and JSON output."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness import BASTION, Gateway, auth, bastion_env
from identity.conftest import identity_config, unique, write_config


@pytest.fixture
def cli(tmp_path: Path, database_url: str) -> Any:
    config = write_config(tmp_path / "bastion.yaml", identity_config(database_url))

    def run(*args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [BASTION, *args, "--config", str(config)], capture_output=True, text=True, env=bastion_env(),
            timeout=60, check=False,
        )  # fmt: skip
        if ok:
            assert proc.returncode == 0, proc.stderr
        return proc

    return run


def test_teams_and_keys_round_trip(cli: Any, idgw: Gateway) -> None:
    team = unique("team")
    created = json.loads(cli("teams", "create", team, "--model", "gpt-4o*", "--metadata", '{"cc": "7"}',
                             "--format", "json").stdout)  # fmt: skip
    assert created["name"] == team and created["models"] == ["gpt-4o*"] and created["metadata"] == {"cc": "7"}
    assert team in cli("teams", "list").stdout
    teams = json.loads(cli("teams", "list", "--format", "json").stdout)
    assert team in [t["name"] for t in teams]

    key = json.loads(cli("keys", "create", unique("k"), "--team", team, "--model", "gpt-4o-mini",
                         "--expires-in", "1d", "--format", "json").stdout)  # fmt: skip
    assert key["key"].startswith("bk-") and key["team"] == team and key["expires_at"]
    # the gateway on the same database accepts it within a second (its version poll)
    deadline = time.monotonic() + 1.5
    while (r := httpx.get(idgw.url + "/v1/models", headers=auth(key["key"]))).status_code == 401:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert r.status_code == 200 and [m["id"] for m in r.json()["data"]] == ["gpt-4o-mini"]

    listed = cli("keys", "list", "--team", team).stdout
    assert key["id"] in listed and key["key"] not in listed and "PREFIX" in listed.splitlines()[0]

    rotated = json.loads(cli("keys", "rotate", key["id"], "--grace", "0", "--format", "json").stdout)
    assert rotated["key"] != key["key"]
    revoked = json.loads(cli("keys", "revoke", rotated["id"], "--format", "json").stdout)
    assert revoked["status"] == "revoked"
    assert key["id"] not in cli("keys", "list").stdout
    assert key["id"] in cli("keys", "list", "--all").stdout


def test_table_output_shows_key_once(cli: Any) -> None:
    out = cli("keys", "create", unique("k"), "--role", "auditor").stdout
    assert "shown once" in out and "key: bk-" in out


def test_errors_exit_1_with_a_message(cli: Any) -> None:
    name = unique("team")
    cli("teams", "create", name)
    dup = cli("teams", "create", name, ok=False)
    assert dup.returncode == 1 and "already exists" in dup.stderr
    missing = cli("keys", "revoke", "key_nope", ok=False)
    assert missing.returncode == 1 and "no key" in missing.stderr
    bad = cli("keys", "create", "bad name!", ok=False)
    assert bad.returncode == 1 and "name" in bad.stderr
    no_team = cli("keys", "create", unique("k"), "--team", "nope", ok=False)
    assert no_team.returncode == 1 and "team" in no_team.stderr


def test_bad_config_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("database_url: mysql://x\n")
    proc = subprocess.run([BASTION, "keys", "list", "--config", str(bad)], capture_output=True, text=True,
                          env=bastion_env(), check=False)  # fmt: skip
    assert proc.returncode == 2 and "database_url" in proc.stderr


def test_keys_update(cli: Any, idgw: Gateway) -> None:
    key = json.loads(cli("keys", "create", unique("k"), "--user", "app", "--format", "json").stdout)

    def update(*args: str) -> dict[str, Any]:
        return json.loads(cli("keys", "update", key["id"], *args, "--format", "json").stdout)  # type: ignore[no-any-return]

    name = unique("renamed")
    out = update("--name", name, "--model", "claude-*", "--model", "gpt-4o-mini", "--expires-in", "2d",
                 "--limits", '{"rpm": 60}', "--budget", '{"usd": 5}')  # fmt: skip
    assert out["name"] == name and out["models"] == ["claude-*", "gpt-4o-mini"] and out["regions"] is None
    assert out["expires_at"] and out["limits"] == {"rpm": 60} and out["budget"]["usd"] == 5
    assert out["user"] == "app" and "key" not in out  # untouched; never the secret
    # the gateway on the same database applies it within a second (its version poll)
    deadline = time.monotonic() + 1.5
    while {m["id"] for m in httpx.get(idgw.url + "/v1/models", headers=auth(key["key"])).json()["data"]} != {
        "claude-sonnet", "gpt-4o-mini"
    }:  # fmt: skip
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert update("--region", "eu")["regions"] == ["eu"]

    out = update("--all-models", "--any-region", "--no-expiry", "--no-limits", "--no-budget", "--no-user")
    assert out["models"] == ["*"] and out["regions"] is None and out["expires_at"] is None
    assert out["limits"] is None and out["budget"] is None and out["user"] is None and out["name"] == name
    assert key["id"] in cli("keys", "update", key["id"], "--user", "table").stdout

    for args, words in (
        ((), "at least one"),
        (("--limits", '{"rps": 1}'), "limits.rps"),
        (("--model", ""), "models.0"),
        (("--expires-at", "2001-01-01T00:00:00Z"), "expires_at"),
    ):
        bad = cli("keys", "update", key["id"], *args, ok=False)
        assert bad.returncode == 1 and words in bad.stderr, (args, bad.stderr)
    assert cli("keys", "update", key["id"], "--limits", "[1]", ok=False).returncode == 2  # argparse: usage
    missing = cli("keys", "update", "key_nope", "--user", "x", ok=False)
    assert missing.returncode == 1 and "no key" in missing.stderr
    cli("keys", "revoke", key["id"])
    revoked = cli("keys", "update", key["id"], "--user", "x", ok=False)
    assert revoked.returncode == 1 and "revoked" in revoked.stderr
