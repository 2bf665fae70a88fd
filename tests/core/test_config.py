"""Config parsing: `${VAR}` interpolation, unknown keys rejected with their path, cross-field checks."""

from __future__ import annotations

from typing import Any

import pytest

from bastion.config import ConfigError, parse_config

ENV = {"OPENAI_KEY": "sk-from-env", "EMPTY": "", "PORT": "9000"}


def provider(**over: Any) -> dict[str, Any]:
    return {"name": "oai", "type": "openai", "api_key": "sk-x", **over}


def errors_of(data: Any, env: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(data, env=ENV if env is None else env)
    return info.value.errors


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("${OPENAI_KEY}", "sk-from-env"),
        ("${MISSING:-fallback}", "fallback"),
        ("${EMPTY:-fallback}", "fallback"),
        ("${OPENAI_KEY:-unused}", "sk-from-env"),
        ("pre-${OPENAI_KEY}-post", "pre-sk-from-env-post"),
        ("$${OPENAI_KEY}", "${OPENAI_KEY}"),
        ("${MISSING:-}", ""),
    ],
)
def test_interpolation(raw: str, expected: str) -> None:
    config = parse_config({"providers": [provider(api_key="k", region=raw)]}, env=ENV)
    assert config.providers[0].region == expected


def test_interpolated_secret_and_number() -> None:
    data = {"server": {"port": "${PORT}"}, "providers": [provider(api_key="${OPENAI_KEY}")]}
    config = parse_config(data, env=ENV)
    assert config.server.port == 9000
    assert config.providers[0].secret() == "sk-from-env"


def test_missing_variable_names_its_path() -> None:
    errs = errors_of({"providers": [provider(api_key="${NOPE}")]})
    assert any(e.startswith("providers[0].api_key: environment variable NOPE") for e in errs), errs


UNKNOWN = [
    ({"bogus": 1}, "bogus: unknown key"),
    ({"server": {"prot": 1}}, "server.prot: unknown key"),
    ({"providers": [provider(api_kee="x")]}, "providers[0].api_kee: unknown key"),
    ({"providers": [provider(timeouts={"firstbyte": 1})]}, "providers[0].timeouts.firstbyte: unknown key"),
    ({"providers": [provider()], "models": [{"name": "m", "provider": "oai", "model": "x", "mode": []}]},
     "models[0].mode: unknown key"),
]  # fmt: skip


@pytest.mark.parametrize(("data", "expected"), UNKNOWN, ids=[u[1].split(":")[0] for u in UNKNOWN])
def test_unknown_keys_rejected_with_path(data: dict[str, Any], expected: str) -> None:
    assert expected in errors_of(data)


INVALID = [
    ({"providers": [provider(type="nope")]}, "providers[0].type"),
    ({"providers": [provider(api_key=None)]}, "providers[0]: api_key (or api_key_file) is required"),
    ({"providers": [provider(base_url="ftp://x")]}, "providers[0].base_url"),
    ({"providers": [provider(type="azure-openai")]}, "providers[0]: base_url is required"),
    ({"models": [{"name": "m", "provider": "ghost", "model": "x"}]}, "unknown provider 'ghost'"),
    ({"providers": [provider(), provider()]}, "duplicate provider names: oai"),
    ({"admin_key": "short"}, "admin_key: admin_key must be at least 16 characters"),
    ({"server": {"port": 70000}}, "server.port"),
    ({"server": {"drain_seconds": 5, "drain_grace_seconds": 5}},
     "server: drain_grace_seconds must be shorter than drain_seconds"),
    ({"server": {"drain_seconds": 0}}, "server.drain_seconds"),
    ({"database_url": "mysql://x"}, "database_url"),
]  # fmt: skip


@pytest.mark.parametrize(("data", "expected"), INVALID, ids=[i[1] for i in INVALID])
def test_invalid_values_name_their_field(data: dict[str, Any], expected: str) -> None:
    errs = errors_of(data)
    assert any(expected in e for e in errs), errs


def test_every_error_is_reported_at_once() -> None:
    errs = errors_of({"bogus": 1, "server": {"prot": 1}, "providers": [provider(api_key="${NOPE}")]})
    assert len(errs) >= 3


def test_not_a_mapping() -> None:
    assert errors_of([1, 2]) == ["<root>: the config file must be a mapping of keys to values"]


def test_empty_config_is_valid() -> None:
    config = parse_config(None, env={})
    assert config.providers == []
    assert config.server.max_body_bytes > 0
