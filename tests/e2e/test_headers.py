"""Response headers on every answer, secrets that must never leak, and OpenAI pass-through fidelity."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import openai
import pytest

from fakes import Fakes
from harness import ADMIN_KEY, MAX_BODY_BYTES, PROVIDER_KEYS, OpenAIFactory, auth, marker

CHAT = "/v1/chat/completions"


def _chat(model: str, stream: bool = False) -> dict[str, Any]:
    return {
        "model": model,
        "stream": stream,
        "max_tokens": 9,
        "messages": [{"role": "user", "content": "hi"}],
    }


# (name, method, path, json body, headers, expected status)
REQUESTS: list[tuple[str, str, str, Any, dict[str, str], int]] = [
    ("chat", "POST", CHAT, _chat("openai-echo"), auth(), 200),
    ("chat-stream", "POST", CHAT, _chat("gemini-echo", True), auth(), 200),
    ("messages", "POST", "/v1/messages", _chat("anthropic-echo"), auth(), 200),
    ("messages-stream", "POST", "/v1/messages", _chat("openai-echo", True), auth(), 200),
    ("demo", "POST", CHAT, _chat("demo-echo"), auth(), 200),
    ("embeddings", "POST", "/v1/embeddings", {"model": "gemini-echo", "input": "x"}, auth(), 200),
    ("responses", "POST", "/v1/responses", {"model": "openai-echo", "input": "x"}, auth(), 200),
    ("no-key", "POST", CHAT, _chat("openai-echo"), {}, 401),
    ("bad-json", "POST", CHAT, None, auth(), 400),
    ("unknown-model", "POST", CHAT, _chat("nope"), auth(), 404),
    ("upstream-429", "POST", CHAT, _chat("openai-fail-429"), auth(), 429),
    ("upstream-500", "POST", "/v1/messages", _chat("gemini-fail-500"), auth(), 502),
    ("upstream-refused", "POST", CHAT, _chat("dead-echo"), auth(), 502),
    ("upstream-slow", "POST", CHAT, _chat("anthropic-slow"), auth(), 504),
    ("too-large", "POST", CHAT, {"pad": "x" * MAX_BODY_BYTES}, auth(), 413),
    ("models", "GET", "/v1/models", None, auth(), 200),
    ("models-no-key", "GET", "/v1/models", None, {}, 401),
    ("unknown-route", "POST", "/v1/unknown", {}, auth(), 404),
    ("healthz", "GET", "/healthz", None, {}, 200),
    ("readyz", "GET", "/readyz", None, {}, 200),
]


def _send(
    http: httpx.Client, req: tuple[str, str, str, Any, dict[str, str], int], **headers: str
) -> httpx.Response:
    _, method, path, body, base, _ = req
    content = b"{oops" if body is None and method == "POST" else None
    return http.request(method, path, json=body, content=content, headers={**base, **headers})


@pytest.mark.parametrize("req", REQUESTS, ids=[r[0] for r in REQUESTS])
def test_every_response_has_request_id_and_overhead(
    http: httpx.Client, req: tuple[str, str, str, Any, dict[str, str], int]
) -> None:
    resp = _send(http, req)
    assert resp.status_code == req[5], resp.text
    assert len(resp.headers["x-request-id"]) >= 16
    assert float(resp.headers["x-bastion-overhead-ms"]) >= 0
    mine = "client-chosen-id-" + marker()
    again = _send(http, req, **{"x-request-id": mine})
    assert again.headers["x-request-id"] == mine


def test_request_ids_differ(http: httpx.Client) -> None:
    ids = {http.get("/healthz").headers.get("x-request-id") for _ in range(3)}
    assert len(ids) == 3


def test_unprintable_request_id_is_replaced(http: httpx.Client) -> None:
    resp = http.post(CHAT, json=_chat("demo-echo"), headers={**auth(), "x-request-id": "x" * 500})
    assert resp.headers["x-request-id"] != "x" * 500


# ---- secrets ------------------------------------------------------------------------------------------


def test_provider_keys_never_reach_the_client_or_the_log(
    http: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    seen = []
    for req in REQUESTS:
        resp = _send(http, req)
        seen.append(resp.text + repr(resp.headers.multi_items()))
    for provider in ("openai", "anthropic", "gemini"):  # providers that quote the key they were sent
        for path in (CHAT, "/v1/messages"):
            resp = http.post(path, json=_chat(f"{provider}-fail-401"), headers=auth())
            assert resp.status_code == 502
            assert "credentials" in resp.text
            seen.append(resp.text + repr(resp.headers.multi_items()))
    everything = "\n".join(seen) + caplog.text
    for name, key in PROVIDER_KEYS.items():
        assert key not in everything, f"the {name} provider key leaked"


def test_client_key_is_not_forwarded(http: httpx.Client, fakes: Fakes) -> None:
    for path, key_header in ((CHAT, "authorization"), ("/v1/messages", "x-api-key")):
        mk = marker()
        headers = {"x-api-key": ADMIN_KEY} if key_header == "x-api-key" else auth()
        body = {**_chat("openai-echo"), "messages": [{"role": "user", "content": mk}]}
        assert http.post(path, json=body, headers=headers).status_code == 200
        rec = fakes.openai.find(mk)
        assert rec.headers["authorization"] == f"Bearer {PROVIDER_KEYS['openai']}"
        assert ADMIN_KEY not in repr(rec.headers)


# ---- OpenAI pass-through ------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["openai-echo", "azure-echo"])
def test_unknown_fields_pass_through(http: httpx.Client, fakes: Fakes, model: str) -> None:
    mk = marker()
    body = {**_chat(model), "messages": [{"role": "user", "content": mk}], "x_custom": {"a": [1, {"b": mk}]}}
    resp = http.post(CHAT, json=body, headers=auth())
    assert resp.status_code == 200
    assert resp.json()["x_fake_extra"] == {"kept": True}
    sent = fakes.openai.find(mk).json
    assert sent["x_custom"] == {"a": [1, {"b": mk}]}
    assert sent["max_tokens"] == 9


def test_anthropic_pass_through_keeps_unknown_fields(http: httpx.Client, fakes: Fakes) -> None:
    """Anthropic in, Anthropic out: the body goes as sent (model id swapped), the answer comes back whole."""
    mk = marker()
    body = {
        **_chat("anthropic-echo"),
        "messages": [{"role": "user", "content": mk}],
        "x_custom": {"a": mk},
        "thinking": {"type": "enabled", "budget_tokens": 1024},
    }
    resp = http.post("/v1/messages", json=body, headers=auth())
    assert resp.status_code == 200
    assert resp.json()["x_fake_extra"] == {"kept": True}
    sent = fakes.anthropic.find(mk).json
    assert sent["x_custom"] == {"a": mk}
    assert sent["thinking"] == {"type": "enabled", "budget_tokens": 1024}
    assert sent["model"] == "fake-echo"


def test_unknown_response_fields_reach_the_sdk(openai_client: OpenAIFactory) -> None:
    out = openai_client().chat.completions.create(
        model="openai-echo", messages=[{"role": "user", "content": "x"}]
    )
    assert (out.model_extra or {}).get("x_fake_extra") == {"kept": True}


def test_response_format_passes_through(openai_client: OpenAIFactory, fakes: Fakes) -> None:
    mk = marker()
    fmt = {
        "type": "json_schema",
        "json_schema": {"name": "city", "strict": True, "schema": {"type": "object", "properties": {}}},
    }
    openai_client().chat.completions.create(
        model="openai-echo",
        messages=[{"role": "user", "content": mk}],
        response_format=fmt,  # type: ignore[arg-type]
    )
    assert fakes.openai.find(mk).json["response_format"] == fmt


def test_response_format_reaches_other_providers_translated(
    openai_client: OpenAIFactory, fakes: Fakes
) -> None:
    fmt = {"type": "json_object"}
    mk = marker()
    for model in ("anthropic-echo", "gemini-echo"):
        openai_client().chat.completions.create(
            model=model,
            messages=[{"role": "user", "content": mk}],
            response_format=fmt,  # type: ignore[arg-type]
        )
    assert "JSON" in fakes.anthropic.find(mk).json["system"]
    assert fakes.gemini.find(mk).json["generationConfig"]["responseMimeType"] == "application/json"


def test_openai_stream_passes_unknown_chunk_fields(http: httpx.Client) -> None:
    """Same-format streams are relayed event by event without re-encoding."""
    with http.stream("POST", CHAT, json=_chat("openai-echo", True), headers=auth()) as resp:
        text = "".join(resp.iter_text())
    assert text.count("data: ") >= 3
    assert text.rstrip().endswith("data: [DONE]")
    assert '"usage"' not in text  # the client did not ask for it; the gateway did, for itself


def test_openai_stream_usage_when_asked(openai_client: OpenAIFactory) -> None:
    stream = openai_client().chat.completions.create(
        model="openai-echo",
        messages=[{"role": "user", "content": "x"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    usage = [c.usage for c in stream if c.usage]
    assert [(u.prompt_tokens, u.completion_tokens) for u in usage] == [(11, 7)]


def test_gateway_asks_provider_for_stream_usage(http: httpx.Client, fakes: Fakes) -> None:
    mk = marker()
    body = {**_chat("openai-echo", True), "messages": [{"role": "user", "content": mk}]}
    http.post(CHAT, json=body, headers=auth())
    assert fakes.openai.find(mk).json["stream_options"] == {"include_usage": True}


def test_openai_error_type_matches_sdk_expectation(openai_client: OpenAIFactory) -> None:
    with pytest.raises(openai.RateLimitError) as info:
        openai_client().chat.completions.create(
            model="openai-fail-429", messages=[{"role": "user", "content": "x"}]
        )
    assert info.value.type == "rate_limit_error"
