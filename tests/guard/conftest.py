"""Gateways with content guardrails, pointed at the fake providers (and the demo provider's judge)."""

# ruff: noqa: E501

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anthropic
import httpx
import openai
import pytest
from google import genai
from google.genai import types

from fakes import Fakes
from harness import ADMIN_KEY, Gateway, auth, free_port, gateway_config

GUARDRAILS: dict[str, Any] = {
    "prompt_injection": {"action": "block", "threshold": 0.8, "on": ["prompt", "tool_result"]},
    "toxicity": {"action": "block", "threshold": 0.5, "on": ["response"]},
    "judge": {"model": "demo-judge", "rubric": "Unsupported sweeping claims or abuse.", "on": "response",
              "mode": "enforce", "action": "block"},
    "secrets": {"action": "flag", "on": ["prompt"]},
}  # fmt: skip

POLICIES: list[dict[str, Any]] = [
    # the judge runs only where a test asks for it (use case "judge"): a rule turns it off elsewhere
    {"id": "judge-on-request", "when": {"expr": "request.use_case != 'judge'"},
     "then": {"action": "guardrails", "guardrails": {"judge": "off"}}},
    {"id": "lab-flags-injections", "when": {"use_case": ["lab"]},
     "then": {"action": "guardrails", "guardrails": {"prompt_injection": "flag"}}},
    {"id": "mask-toxic-answers", "when": {"use_case": ["mask"]},
     "then": {"action": "guardrails", "guardrails": {"toxicity": "mask"}}},
    {"id": "strict-injection-score", "when": {"use_case": ["strict"], "expr": "scores.prompt_injection > 0.5"},
     "then": {"action": "deny", "message": "no injections here"}},
    {"id": "flag-toxic-in-out-score", "when": {"use_case": ["out-score"]},
     "then": {"action": "guardrails", "guardrails": {"toxicity": "flag"}}},
    {"id": "out-toxic", "on": "response", "when": {"use_case": ["out-score"], "expr": "scores.toxicity > 0.5"},
     "then": {"action": "flag"}},
]  # fmt: skip


def guard_config(fakes: Fakes, db: Path, **extra: Any) -> dict[str, Any]:
    config = gateway_config(fakes, free_port(), db)
    config["models"].append({"name": "demo-judge", "provider": "demo", "model": "judge"})
    for provider in config["providers"]:  # a busy test machine must not turn load into 504s
        provider["timeouts"] = {"connect": 5, "first_byte": 20, "idle": 20, "total": 60}
    config["guardrails"] = GUARDRAILS
    config["policies"] = POLICIES
    config["pii"] = {"enabled": True}
    config.update(extra)
    return config


@pytest.fixture(scope="module")
def guard_gateway(fakes: Fakes, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    gw = Gateway.start(guard_config(fakes, tmp_path_factory.mktemp("guard") / "bastion.db"))
    yield gw
    gw.stop()


@pytest.fixture(scope="module")
def oa(guard_gateway: Gateway) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=guard_gateway.openai_base, api_key=ADMIN_KEY, max_retries=0, timeout=30) as c:
        yield c


@pytest.fixture(scope="module")
def an(guard_gateway: Gateway) -> Iterator[anthropic.Anthropic]:
    with anthropic.Anthropic(base_url=guard_gateway.url, api_key=ADMIN_KEY, max_retries=0, timeout=30) as c:
        yield c


def audit_record(gw: Gateway, rid: str, until: Any = None) -> dict[str, Any]:
    deadline = time.monotonic() + 15
    while True:
        r = httpx.get(f"{gw.url}/admin/audit/{rid}", headers=auth(), timeout=10)
        if r.status_code == 200:
            record: dict[str, Any] = r.json()["data"][0]
            if until is None or until(record):
                return record
        assert time.monotonic() < deadline, r.text
        time.sleep(0.1)


@pytest.fixture(scope="module")
def gm(guard_gateway: Gateway) -> genai.Client:
    return genai.Client(api_key=ADMIN_KEY, http_options=types.HttpOptions(base_url=guard_gateway.url, timeout=30_000))
