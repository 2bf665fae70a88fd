"""Gemini's native inbound API (`/v1beta/models/{model}:generateContent` and `:streamGenerateContent`)
driven by the official google-genai SDK, against every provider type of the fakes (OpenAI, Anthropic,
Gemini and an OpenAI-compatible one), streaming and not, with PII pseudonymised and restored, a policy
that denies and one that masks answers, and the audit record checked."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from google import genai
from google.genai import errors, types

from fakes import Fakes
from harness import ADMIN_KEY, Gateway, auth, free_port, gateway_config, marker

PROVIDER_KINDS = ("openai", "anthropic", "gemini", "compat")
EMAIL = "maria.lopez@example.org"


def _config(fakes: Fakes, db: Path) -> dict[str, Any]:
    config = gateway_config(fakes, free_port(), db)
    compat = {"name": "compat", "type": "mistral", "base_url": f"{fakes.openai.url}/v1", "api_key": "sk-c"}
    config["providers"].append(compat)
    config["models"].append({"name": "compat-echo", "provider": "compat", "model": "fake-echo"})
    for provider in config["providers"]:  # a busy test machine must not turn load into 504s
        if provider.get("type") != "demo":
            provider["timeouts"] = {"connect": 5, "first_byte": 20, "idle": 20, "total": 60}
    config["pii"] = {"enabled": True, "actions": {"EMAIL": "pseudonymize"}}
    config["policies"] = [
        {"id": "no-falcon", "when": {"keywords": ["falcon"]},
         "then": {"action": "deny", "message": "Project Falcon is confidential"}},
        {"id": "out-fruit", "on": "response", "when": {"text_matches": ["(?i)banana"]},
         "then": {"action": "redact", "mask": "[FRUIT]"}},
    ]  # fmt: skip
    return config


@pytest.fixture(scope="module")
def gemini_gateway(fakes: Fakes, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    gw = Gateway.start(_config(fakes, tmp_path_factory.mktemp("gemini-api") / "bastion.db"))
    yield gw
    gw.stop()


@pytest.fixture(scope="module")
def client(gemini_gateway: Gateway) -> genai.Client:
    return genai.Client(api_key=ADMIN_KEY, http_options=types.HttpOptions(base_url=gemini_gateway.url))


def _fake(fakes: Fakes, kind: str) -> Any:
    return fakes.openai if kind == "compat" else getattr(fakes, kind)


def _rid(name: str) -> tuple[str, types.GenerateContentConfig]:
    rid = f"gemini-{name}-{marker()}"
    return rid, types.GenerateContentConfig(http_options=types.HttpOptions(headers={"x-request-id": rid}))


def _generate(client: genai.Client, model: str, text: str, stream: bool, config: Any = None) -> str:
    if not stream:
        return client.models.generate_content(model=model, contents=text, config=config).text or ""
    chunks = list(client.models.generate_content_stream(model=model, contents=text, config=config))
    assert chunks, "the stream carried no chunk"
    return "".join(c.text or "" for c in chunks)


def audit_record(gw: Gateway, rid: str) -> dict[str, Any]:
    deadline = time.monotonic() + 15
    while True:
        r = httpx.get(f"{gw.url}/admin/audit/{rid}", headers=auth(), timeout=10)
        if r.status_code == 200:
            record: dict[str, Any] = r.json()["data"][0]
            return record
        assert time.monotonic() < deadline, r.text
        time.sleep(0.1)


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("kind", PROVIDER_KINDS)
def test_the_sdk_talks_to_every_provider_type_with_pii_restored_and_audited(
    kind: str, stream: bool, client: genai.Client, fakes: Fakes, gemini_gateway: Gateway
) -> None:
    mark = marker()
    rid, config = _rid(kind)
    text = f"{mark} write to {EMAIL} today"
    answer = _generate(client, f"{kind}-echo", text, stream, config)
    assert answer == f"Echo: {text}"  # the provider saw a pseudonym; the client gets its own text back
    fake = _fake(fakes, kind)
    assert fake.count(mark) == 1 and fake.count(EMAIL) == 0
    record = audit_record(gemini_gateway, rid)
    assert record["api"] == "gemini.generate"
    assert record["model"] == f"{kind}-echo" and record["stream"] is stream
    assert record["status"] == 200 and record["outcome"] == "completed"
    assert record["pii"] == {"EMAIL": {"pseudonymize": 1}}
    assert record["tokens_in"] is not None and record["tokens_out"] is not None
    if stream:
        assert record["stream_completed"] is True


@pytest.mark.parametrize("stream", [False, True])
def test_a_policy_deny_is_a_gemini_shaped_403_and_never_leaves(
    stream: bool, client: genai.Client, fakes: Fakes, gemini_gateway: Gateway
) -> None:
    mark = marker()
    rid, config = _rid("deny")
    with pytest.raises(errors.ClientError) as info:
        _generate(client, "openai-echo", f"{mark} status of project falcon?", stream, config)
    assert info.value.code == 403 and info.value.status == "PERMISSION_DENIED"
    assert "Project Falcon is confidential" in (info.value.message or "")
    assert fakes.openai.count(mark) == 0
    record = audit_record(gemini_gateway, rid)
    assert record["status"] == 403 and record["decision"] == "denied"
    assert record["policy"]["denied_by"] == "no-falcon"


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("kind", ["gemini", "anthropic"])
def test_a_response_rule_masks_the_answer_in_both_modes(
    kind: str, stream: bool, client: genai.Client
) -> None:
    answer = _generate(client, f"{kind}-echo", "I like banana bread", stream)
    assert answer == "Echo: I like [FRUIT] bread"


def test_keys_are_read_from_every_place_the_sdks_put_them(gemini_gateway: Gateway) -> None:
    url = f"{gemini_gateway.url}/v1beta/models/gemini-echo:generateContent"
    body = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}
    for params, headers in (
        ({"key": ADMIN_KEY}, {}),
        ({}, {"x-goog-api-key": ADMIN_KEY}),
        ({}, {"Authorization": f"Bearer {ADMIN_KEY}"}),
    ):
        r = httpx.post(url, params=params, headers=headers, json=body, timeout=30)
        assert r.status_code == 200, r.text
        assert r.json()["candidates"][0]["content"]["parts"][0]["text"] == "Echo: hi"
    r = httpx.post(url, json=body, timeout=30)
    assert r.status_code == 401
    err = r.json()["error"]
    assert set(err) == {"code", "message", "status"}
    assert (err["code"], err["status"]) == (401, "UNAUTHENTICATED")
    r = httpx.post(url, params={"key": "wrong"}, json=body, timeout=30)
    assert r.status_code == 401 and r.json()["error"]["status"] == "UNAUTHENTICATED"


@pytest.mark.parametrize(
    ("path", "body", "status", "rpc"),
    [
        ("gemini-echo:generateContent", {"contents": []}, 400, "INVALID_ARGUMENT"),
        ("gemini-echo:generateContent", {"contents": [{"role": "user"}]}, 400, "INVALID_ARGUMENT"),
        ("gemini-echo:generateContent", {"model": "x"}, 400, "INVALID_ARGUMENT"),
        ("no-such-model:generateContent", {"contents": [{"parts": [{"text": "hi"}]}]}, 404, "NOT_FOUND"),
        ("gemini-echo:unknownMethod", {"contents": [{"parts": [{"text": "hi"}]}]}, 404, "NOT_FOUND"),
    ],
)
def test_bad_requests_are_gemini_shaped(
    path: str, body: dict[str, Any], status: int, rpc: str, gemini_gateway: Gateway
) -> None:
    r = httpx.post(f"{gemini_gateway.url}/v1beta/models/{path}", headers=auth(), json=body, timeout=30)
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert err["code"] == status and err["status"] == rpc and err["message"]


def test_a_stream_needs_alt_sse_or_answers_a_json_array(gemini_gateway: Gateway) -> None:
    url = f"{gemini_gateway.url}/v1beta/models/gemini-echo:streamGenerateContent"
    body = {"contents": [{"role": "user", "parts": [{"text": "one two three"}]}]}
    r = httpx.post(url, headers=auth(), json=body, timeout=30)
    assert r.status_code == 200, r.text
    chunks = r.json()
    assert isinstance(chunks, list) and len(chunks) > 1
    text = "".join(p.get("text", "") for c in chunks for p in c["candidates"][0]["content"]["parts"])
    assert text == "Echo: one two three"


def test_the_model_list_is_gemini_shaped(client: genai.Client) -> None:
    names = [m.name for m in client.models.list()]
    assert "models/gemini-echo" in names and "models/openai-echo" in names
