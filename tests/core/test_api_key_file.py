"""`api_key_file:` on providers: the key read from a file (a mounted Kubernetes secret), sent upstream,
never shown; a missing, unreadable or empty file, or one set together with `api_key`, is a clear config
error (`bastion check-config`) that never quotes the file's content."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from bastion.config import ConfigError, parse_config
from bastion.config.public import public_config
from fakes import Fakes
from harness import ADMIN_KEY, BASTION, Gateway, auth, bastion_env, marker

SECRET = "sk-from-a-file-0123456789-SECRET"


def provider(path: Path | str, **over: Any) -> dict[str, Any]:
    return {"name": "oai", "type": "openai", "api_key_file": str(path), **over}


def errors_of(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(data, env={})
    return info.value.errors


def test_the_key_is_read_from_the_file(tmp_path: Path) -> None:
    key = tmp_path / "openai-key"
    key.write_text(SECRET + "\n")  # `kubectl create secret --from-file` and editors end with a newline
    config = parse_config({"providers": [provider(key)]}, env={})
    assert config.providers[0].secret() == SECRET
    assert SECRET not in config.model_dump_json()
    assert SECRET not in orjson.dumps(public_config(config)).decode()
    assert SECRET not in repr(config)


# file -> (content: None = not created, "/" = a directory; the error after "api_key_file: ")
CASES: dict[str, tuple[str | bytes | None, str]] = {
    "missing": (None, "cannot read {path}: No such file or directory"),
    "directory": ("/", "cannot read {path}: Is a directory"),
    "empty": ("  \n", "{path} is empty"),
    "lines": (SECRET + "\nsecond\n", "{path} holds more than one line (one key expected)"),
    "binary": (b"\xff\xfe" + SECRET.encode(), "{path} is not UTF-8 text"),
}


@pytest.mark.parametrize("name", CASES)
def test_a_bad_file_is_a_config_error(tmp_path: Path, name: str) -> None:
    content, message = CASES[name]
    path = tmp_path / name
    if content == "/":
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    errs = errors_of({"providers": [provider(path)]})
    assert errs == ["providers[0]: api_key_file: " + message.format(path=path)]
    assert not any(SECRET in e for e in errs)


def test_api_key_and_api_key_file_are_mutually_exclusive(tmp_path: Path) -> None:
    key = tmp_path / "k"
    key.write_text(SECRET)
    errs = errors_of({"providers": [provider(key, api_key="sk-inline")]})
    assert errs == ["providers[0]: api_key and api_key_file are mutually exclusive: set one of them"]


def test_check_config_names_the_file(tmp_path: Path) -> None:
    cfg = tmp_path / "bastion.yaml"
    cfg.write_bytes(orjson.dumps({"providers": [provider(tmp_path / "nope")]}))
    done = subprocess.run(
        [BASTION, "check-config", str(cfg)], capture_output=True, text=True, env=bastion_env(), timeout=60,
        check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert f"providers[0]: api_key_file: cannot read {tmp_path / 'nope'}" in done.stderr


def test_the_file_key_goes_upstream(fakes: Fakes, tmp_path: Path) -> None:
    key = tmp_path / "openai-key"
    key.write_text(SECRET + "\n")
    config = {
        "admin_key": ADMIN_KEY,
        "database_url": f"sqlite:///{tmp_path / 'bastion.db'}",
        "audit": {"dir": str(tmp_path / "audit")},
        "providers": [provider(key, base_url=fakes.openai.url + "/v1")],
        "models": [{"name": "m", "provider": "oai", "model": "fake-echo"}],
    }
    gw = Gateway.start(config)
    try:
        mk = marker()
        body = {"model": "m", "messages": [{"role": "user", "content": mk}]}
        r = httpx.post(gw.url + "/v1/chat/completions", json=body, headers=auth(), timeout=30)
        assert r.status_code == 200, r.text
        assert fakes.openai.find(mk).headers["authorization"] == f"Bearer {SECRET}"
        shown = httpx.get(gw.url + "/admin/config", headers=auth(), timeout=30)
        assert shown.status_code == 200
        assert SECRET not in shown.text and str(key) in shown.text
    finally:
        gw.stop()
