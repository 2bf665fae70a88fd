"""Signals from the gateway itself, through a real gateway and the official SDKs: a provider-shaped key
presented to Bastion (an SDK still holding a real provider key), an unknown key, and provider keys pasted
into prompts (found by the PII stage's SECRET recognizer). Only the key's class is kept, never the key."""

from __future__ import annotations

import contextlib
import datetime as dt
import secrets
import sqlite3
import string
from typing import Any

import anthropic
import openai
import pytest

from harness import ADMIN_KEY
from shadow.conftest import ShadowGateway, wait_until


def today() -> str:
    return dt.datetime.now(dt.UTC).date().isoformat()


def token(n: int) -> str:
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(n))


def count(gw: ShadowGateway, service: str, source: str) -> int:
    entry = gw.services(today()).get(service, {})
    return int(entry.get("sources", {}).get(source, 0))


def stored_text(gw: ShadowGateway) -> bytes:
    """Everything the shadow tables hold (SQLite)."""
    assert gw.db_path is not None
    with contextlib.closing(sqlite3.connect(gw.db_path)) as db:
        rows = [*db.execute("SELECT * FROM shadow_daily"), *db.execute("SELECT * FROM shadow_services")]
    return repr(rows).encode()


def test_provider_keys_presented_to_the_gateway(shadow_gw: ShadowGateway) -> None:
    openai_key = "sk-proj-" + token(48)
    anthropic_key = "sk-ant-api03-" + token(80)
    made_up = "letmein-" + token(20)
    kinds = [("openai-api", "gateway-key"), ("anthropic-api", "gateway-key"), ("unknown-key", "unknown-key")]
    before = {k: count(shadow_gw, *k) for k in kinds}
    hi = [{"role": "user", "content": "hi"}]
    client = openai.OpenAI(base_url=shadow_gw.url + "/v1", api_key=openai_key, max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        client.chat.completions.create(model="openai-echo", messages=hi)  # type: ignore[arg-type]
    with pytest.raises(openai.AuthenticationError):
        client.with_options(api_key=made_up).chat.completions.create(model="openai-echo", messages=hi)  # type: ignore[arg-type]
    claude = anthropic.Anthropic(base_url=shadow_gw.url, api_key=anthropic_key, max_retries=0)
    with pytest.raises(anthropic.AuthenticationError):
        claude.messages.create(model="anthropic-echo", max_tokens=5, messages=hi)  # type: ignore[arg-type]

    def recorded() -> bool:
        now = {k: count(shadow_gw, *k) for k in before}
        return all(now[k] == before[k] + 1 for k in before)

    wait_until(recorded)
    entry = shadow_gw.services(today())["openai-api"]
    assert entry["sanctioned"] is True  # the gateway fronts OpenAI: the key belongs behind it, not in an app
    users = shadow_gw.get("users", **{"from": today(), "to": today()}).json()["users"]
    assert any(u["user"] == "127.0.0.1" and "unknown-key" in u["services"] for u in users)
    if shadow_gw.db_path is not None:
        blob = stored_text(shadow_gw)
        for secret in (openai_key, anthropic_key, made_up):
            assert secret.encode() not in blob and secret[:20].encode() not in blob


def test_provider_keys_pasted_into_prompts(shadow_gw: ShadowGateway) -> None:
    pasted_openai = "sk-proj-" + token(48)
    pasted_groq = "gsk_" + token(52)
    before = (count(shadow_gw, "openai-api", "prompt-secret"), count(shadow_gw, "groq", "prompt-secret"))
    client = openai.OpenAI(base_url=shadow_gw.url + "/v1", api_key=ADMIN_KEY, max_retries=0)
    prompt = f"Why does this fail? OPENAI_API_KEY={pasted_openai} and groq key {pasted_groq}"
    result: Any
    try:
        messages = [{"role": "user", "content": prompt}]
        result = client.chat.completions.create(model="openai-echo", messages=messages)  # type: ignore[arg-type]
    except openai.BadRequestError as exc:  # the PII settings may block secrets: the signal is kept either way
        result = exc
    assert result is not None

    def recorded() -> bool:
        now = (count(shadow_gw, "openai-api", "prompt-secret"), count(shadow_gw, "groq", "prompt-secret"))
        return now == (before[0] + 1, before[1] + 1)

    wait_until(recorded)
    users = {u["user"]: u for u in shadow_gw.get("users", **{"from": today(), "to": today()}).json()["users"]}
    assert {"groq", "openai-api"} <= set(users["admin"]["services"])
    if shadow_gw.db_path is not None:
        blob = stored_text(shadow_gw)
        assert pasted_openai.encode() not in blob and pasted_groq.encode() not in blob
