"""A gateway with a policy set that exercises every action, pointed at the fake providers."""

# ruff: noqa: E501

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anthropic
import openai
import pytest

from fakes import Fakes
from harness import ADMIN_KEY, Gateway, free_port, fresh_pg_database, gateway_config

REGIONS = [
    {"name": "openai-eu", "type": "openai", "region": "eu"},
    {"name": "openai-us", "type": "openai", "region": "us"},
]

POLICIES: list[dict[str, Any]] = [
    {"id": "falcon", "description": "confidential project names",
     "when": {"text_matches": ["(?i)project\\s+falcon"]},
     "then": {"action": "deny", "message": "Project Falcon is confidential"}},
    {"id": "falcon-core-ok", "description": "the project team is exempt", "scope": {"teams": ["falcon-core"]},
     "then": {"action": "allow"}},
    {"id": "shadow-deny", "mode": "shadow", "when": {"keywords": ["shadowword"]}, "then": {"action": "deny"}},
    {"id": "flag-review", "when": {"keywords": ["flagword"]}, "then": {"action": "flag"}},
    {"id": "eu-residency", "when": {"use_case": ["eu"]}, "then": {"action": "route", "require_region": "eu"}},
    {"id": "reroute", "when": {"use_case": ["reroute"]}, "then": {"action": "route", "route_to": "anthropic-echo"}},
    {"id": "provider-pin", "when": {"use_case": ["pin-us"]},
     "then": {"action": "route", "route_provider": "openai-us"}},
    {"id": "mask-email", "when": {"use_case": ["mask-email"]},
     "then": {"action": "redact", "redact": {"EMAIL": "mask"}}},
    {"id": "block-email", "when": {"use_case": ["block-email"]},
     "then": {"action": "redact", "redact": {"EMAIL": "block"}}},
    {"id": "allow-email", "when": {"use_case": ["allow-email"]},
     "then": {"action": "redact", "redact": {"EMAIL": "allow"}}},
    {"id": "codenames", "when": {"use_case": ["codename"], "text_matches": ["codename-\\w+"]},
     "then": {"action": "redact", "mask": "[HIDDEN]"}},
    {"id": "cap", "when": {"use_case": ["cap"]},
     "then": {"action": "transform", "max_tokens": 7, "tools": "strip", "system_prompt": "POLICY-SYSTEM"}},
    {"id": "tools-allow", "when": {"use_case": ["tools"]}, "then": {"action": "transform", "tools": ["allowed_tool"]}},
    {"id": "interns-cheap", "description": "restrict a team to cheaper models", "scope": {"teams": ["interns"]},
     "when": {"models_not": ["demo-*"]}, "then": {"action": "deny", "message": "interns use demo-* models"}},
    {"id": "out-fruit", "on": "response", "when": {"text_matches": ["(?i)banana"]},
     "then": {"action": "redact", "mask": "[FRUIT]"}},
    {"id": "out-kiwi", "on": "response", "when": {"keywords": ["kiwi"]},
     "then": {"action": "deny", "message": "no kiwi in answers"}},
    {"id": "out-email", "on": "response", "when": {"pii": ["EMAIL"]},
     "then": {"action": "deny", "message": "answers may not contain e-mail addresses"}},
    {"id": "out-shadow", "on": "response", "mode": "shadow", "when": {"keywords": ["mango"]},
     "then": {"action": "deny"}},
]  # fmt: skip


def policy_config(fakes: Fakes, db: Path, **extra: Any) -> dict[str, Any]:
    config = gateway_config(fakes, free_port(), db)
    url = fakes.openai.url + "/v1"
    for p in REGIONS:
        config["providers"].append({**p, "base_url": url, "api_key": "sk-fake-region-key"})
    config["models"] += [
        {"name": "regional", "provider": "openai-us", "model": "fake-echo"},
        {"name": "regional", "provider": "openai-eu", "model": "fake-echo"},
        {"name": "us-only", "provider": "openai-us", "model": "fake-echo"},
    ]
    config["policies"] = POLICIES
    for provider in config["providers"]:  # a busy test machine must not turn load into 504s
        provider["timeouts"] = {"connect": 5, "first_byte": 20, "idle": 20, "total": 60}
    config["pii"] = {"enabled": True}  # redact overrides and PII conditions work with the PII stage
    config.update(extra)
    return config


@pytest.fixture(scope="module")
def policy_gateway(fakes: Fakes, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    gw = Gateway.start(policy_config(fakes, tmp_path_factory.mktemp("policy") / "bastion.db"))
    yield gw
    gw.stop()


@pytest.fixture(scope="module")
def oa(policy_gateway: Gateway) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(
        base_url=policy_gateway.openai_base, api_key=ADMIN_KEY, max_retries=0, timeout=20
    ) as c:
        yield c


@pytest.fixture(scope="module")
def an(policy_gateway: Gateway) -> Iterator[anthropic.Anthropic]:
    with anthropic.Anthropic(base_url=policy_gateway.url, api_key=ADMIN_KEY, max_retries=0, timeout=20) as c:
        yield c


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database, dropped afterwards."""
    with fresh_pg_database("bastion_policy") as url:
        yield url


def redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False
