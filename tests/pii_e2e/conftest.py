"""Gateways with PII protection ON, pointed at the shared fake providers with PII twists (see
twisted_fakes). The session gateway of tests/conftest.py runs with PII off on purpose; these are separate.

`pii_gateway`: global actions (defaults pseudonymize; PHONE mask, IP_ADDRESS hash, SSN block, URL allow),
a per-team override, a `trusted` copy of the OpenAI provider and a 1 MB `max_chars`; response_scan off.
`mask_gateway` and `flag_gateway`: the same with response_scan mask and flag."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anthropic
import openai
import pytest

from fakes import Fakes
from harness import ADMIN_KEY, PROVIDERS, Gateway, free_port, gateway_config
from pii_e2e.twisted_fakes import start_twisted

TWISTS = ("toolecho", "toolchars", "mangle", "chars", "leak", "leakchars")
ACTIONS = {"PHONE": "mask", "IP_ADDRESS": "hash", "SSN": "block", "URL": "allow"}
TEAM = "pii-strict"
TEAM_ACTIONS = {"EMAIL": "block", "PHONE": "pseudonymize"}
MAX_CHARS = 1_000_000
STRICT_HEADER = "x-bastion-meta-pii-strict"
MAX_BODY = 8 * 1024 * 1024
OPTIONS: dict[str, Any] = {"api_key": ADMIN_KEY, "max_retries": 0, "timeout": 30.0}


def pii_config(fakes: Fakes, db: Path, response_scan: str) -> dict[str, Any]:
    cfg = gateway_config(fakes, free_port(), db)
    cfg["pii"] = {
        "enabled": True,
        "actions": ACTIONS,
        "response_scan": response_scan,
        "max_chars": MAX_CHARS,
        "hash_key": "pii-e2e-hash-key",
        "teams": {TEAM: {"actions": TEAM_ACTIONS}},
    }
    cfg["server"] = {**cfg["server"], "max_body_bytes": MAX_BODY}
    # a policy rule's per-request PII overrides (`then.redact`), chosen by a header
    strict = {"headers": {STRICT_HEADER: ["yes"]}}
    cfg["policies"] = [
        {"id": "pii-e2e-strict", "when": strict, "then": {"action": "redact", "redact": {"EMAIL": "block"}}}
    ]
    openai_provider = next(p for p in cfg["providers"] if p["name"] == "openai")
    cfg["providers"].append({**openai_provider, "name": "openai-trusted", "trusted": True})
    cfg["models"] += [
        {"name": f"{p}-{t}", "provider": p, "model": f"fake-{t}"} for p in PROVIDERS for t in TWISTS
    ]
    cfg["models"] += [
        {"name": "trusted-echo", "provider": "openai-trusted", "model": "fake-echo"},
        {"name": "openai-embed", "provider": "openai", "model": "fake-echo", "modes": ["embeddings"]},
        {"name": "gemini-embed", "provider": "gemini", "model": "fake-echo", "modes": ["embeddings"]},
        {"name": "demo-chars", "provider": "demo", "model": "echo-chars"},
    ]
    return cfg


@pytest.fixture(scope="session")
def twisted() -> Iterator[Fakes]:
    started = start_twisted()
    yield started
    started.stop()


@pytest.fixture(scope="session")
def pii_gateway(twisted: Fakes, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    gw = Gateway.start(pii_config(twisted, tmp_path_factory.mktemp("pii-gw") / "b.db", "off"))
    yield gw
    gw.stop()


@pytest.fixture(scope="session")
def mask_gateway(twisted: Fakes, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    gw = Gateway.start(pii_config(twisted, tmp_path_factory.mktemp("pii-mask") / "b.db", "mask"))
    yield gw
    gw.stop()


@pytest.fixture(scope="session")
def flag_gateway(twisted: Fakes, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    gw = Gateway.start(pii_config(twisted, tmp_path_factory.mktemp("pii-flag") / "b.db", "flag"))
    yield gw
    gw.stop()


@pytest.fixture(scope="session")
def oai(pii_gateway: Gateway) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=pii_gateway.openai_base, **OPTIONS) as client:
        yield client


@pytest.fixture(scope="session")
def ant(pii_gateway: Gateway) -> Iterator[anthropic.Anthropic]:
    with anthropic.Anthropic(base_url=pii_gateway.url, **OPTIONS) as client:
        yield client
