"""Request errors, upstream errors, timeouts and fallback: status, error shape per inbound API, SDK
exception, and what (if anything) reached the provider."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import anthropic
import httpx
import openai
import pytest

from e2e.drive import Ask, anthropic_params, openai_params
from fakes import Fakes
from harness import ADMIN_KEY, MAX_BODY_BYTES, AnthropicFactory, OpenAIFactory, auth, marker

CHAT = "/v1/chat/completions"
MESSAGES = "/v1/messages"
PROVIDERS = ("openai", "anthropic", "gemini")
INBOUND = ("openai", "anthropic")


def openai_error(resp: httpx.Response, status: int) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"error"}
    assert {"message", "type", "param", "code"} <= set(body["error"])
    return dict(body["error"])


def anthropic_error(resp: httpx.Response, status: int) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert body["type"] == "error"
    assert {"type", "message"} <= set(body["error"])
    return dict(body["error"])


def error_of(path: str, resp: httpx.Response, status: int) -> dict[str, Any]:
    return anthropic_error(resp, status) if path == MESSAGES else openai_error(resp, status)


# ---- the request itself -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [CHAT, MESSAGES, "/v1/embeddings", "/v1/responses"])
@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b""], ids=["broken", "array", "empty"])
def test_malformed_body_is_400(http: httpx.Client, path: str, raw: bytes) -> None:
    resp = http.post(path, content=raw, headers={**auth(), "content-type": "application/json"})
    err = error_of(path, resp, 400)
    assert err["type"] == "invalid_request_error"
    assert resp.headers["x-request-id"]


MISSING = [
    (CHAT, {"messages": [{"role": "user", "content": "x"}]}, "model"),
    (CHAT, {"model": "openai-echo"}, "messages"),
    (CHAT, {"model": "openai-echo", "messages": []}, "messages"),
    (CHAT, {"model": "openai-echo", "messages": ["hi"]}, "messages[0]"),
    (
        CHAT,
        {"model": "openai-echo", "messages": [{"role": "user", "content": "x"}], "stream": "yes"},
        "stream",
    ),
    (MESSAGES, {"model": "anthropic-echo", "messages": [{"role": "user", "content": "x"}]}, "max_tokens"),
    (MESSAGES, {"model": "anthropic-echo", "max_tokens": 5}, "messages"),
    ("/v1/embeddings", {"model": "openai-echo"}, "input"),
    ("/v1/responses", {"model": "openai-echo"}, "input"),
]


@pytest.mark.parametrize(("path", "body", "param"), MISSING)
def test_missing_or_bad_field_is_400_naming_it(
    http: httpx.Client, path: str, body: dict[str, Any], param: str
) -> None:
    err = error_of(path, http.post(path, json=body, headers=auth()), 400)
    if path == MESSAGES:
        assert param in err["message"]
    else:
        assert err["param"] == param


@pytest.mark.parametrize("path", [CHAT, MESSAGES])
@pytest.mark.parametrize(
    "headers",
    [{}, auth("wrong-key-0123456789"), {"x-api-key": "nope"}],
    ids=["none", "bad-bearer", "bad-x-api-key"],
)
def test_missing_or_bad_key_is_401(http: httpx.Client, path: str, headers: dict[str, str]) -> None:
    body = {"model": "openai-echo", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]}
    err = error_of(path, http.post(path, json=body, headers=headers), 401)
    assert err["type"] == "authentication_error"


def test_sdks_raise_authentication_error(
    openai_client: OpenAIFactory, anthropic_client: AnthropicFactory
) -> None:
    with pytest.raises(openai.AuthenticationError):
        openai_client(api_key="wrong-key-0123456789").chat.completions.create(
            **openai_params(Ask("openai-echo", "x"), False)
        )
    with pytest.raises(anthropic.AuthenticationError):
        anthropic_client(api_key="wrong-key-0123456789").messages.create(
            **anthropic_params(Ask("openai-echo", "x"))
        )


def test_unknown_model_is_404(openai_client: OpenAIFactory, anthropic_client: AnthropicFactory) -> None:
    with pytest.raises(openai.NotFoundError) as oinfo:
        openai_client().chat.completions.create(**openai_params(Ask("no-such-model", "x"), False))
    assert "no-such-model" in oinfo.value.message
    with pytest.raises(anthropic.NotFoundError) as ainfo:
        anthropic_client().messages.create(**anthropic_params(Ask("no-such-model", "x")))
    assert "no-such-model" in ainfo.value.message


def test_unknown_route_is_404_in_shape(http: httpx.Client) -> None:
    openai_error(http.post("/v1/nothing", json={}, headers=auth()), 404)


# ---- body size ----------------------------------------------------------------------------------------

BIG = b"{" + b" " * MAX_BODY_BYTES + b"not even json"  # too big and malformed: size is checked first


def _chunks(data: bytes, size: int = 16384) -> Iterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


@pytest.mark.parametrize("path", [CHAT, MESSAGES])
@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_body_over_limit_is_413(http: httpx.Client, fakes: Fakes, path: str, chunked: bool) -> None:
    content: Any = _chunks(BIG) if chunked else BIG
    headers = {**auth(), "content-type": "application/json"}
    resp = http.post(path, content=content, headers=headers)
    err = error_of(path, resp, 413)
    assert err["type"] == ("request_too_large" if path == MESSAGES else "invalid_request_error")
    assert str(MAX_BODY_BYTES) in err["message"]


def test_body_just_under_limit_is_parsed(http: httpx.Client) -> None:
    text = "x" * (MAX_BODY_BYTES - 200)
    body = json.dumps({"model": "demo-echo", "messages": [{"role": "user", "content": text}]}).encode()
    assert len(body) < MAX_BODY_BYTES
    assert http.post(CHAT, content=_chunks(body), headers=auth()).status_code == 200


# ---- upstream errors ----------------------------------------------------------------------------------


def _call(inbound: str, oc: openai.OpenAI, ac: anthropic.Anthropic, model: str, stream: bool = False) -> Any:
    if inbound == "openai":
        params = openai_params(Ask(model, marker()), stream)
        out = oc.chat.completions.create(**params)
        return list(out) if stream else out
    params = anthropic_params(Ask(model, marker()))
    if stream:
        with ac.messages.stream(**params) as events:
            return events.get_final_message()
    return ac.messages.create(**params)


SDK_ERRORS = {
    ("openai", 400): openai.BadRequestError,
    ("openai", 429): openai.RateLimitError,
    ("openai", 502): openai.InternalServerError,
    ("openai", 504): openai.InternalServerError,
    ("anthropic", 400): anthropic.BadRequestError,
    ("anthropic", 429): anthropic.RateLimitError,
    ("anthropic", 502): anthropic.InternalServerError,
    ("anthropic", 504): anthropic.InternalServerError,
}

UPSTREAM = [
    ("fail-400", 400, "fake provider says 400"),
    ("fail-429", 429, "fake provider says 429"),
    ("fail-500", 502, "fake provider says 500"),
    ("fail-503", 502, "fake provider says 503"),
    ("slow", 504, "did not answer in time"),
]


@pytest.mark.parametrize("inbound", INBOUND)
@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("upstream", UPSTREAM, ids=[u[0] for u in UPSTREAM])
@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_upstream_errors(
    openai_client: OpenAIFactory,
    anthropic_client: AnthropicFactory,
    *,
    inbound: str,
    provider: str,
    upstream: tuple[str, int, str],
    stream: bool,
) -> None:
    behaviour, status, message = upstream
    with pytest.raises(SDK_ERRORS[inbound, status]) as info:
        _call(inbound, openai_client(), anthropic_client(), f"{provider}-{behaviour}", stream)
    err = info.value
    assert err.status_code == status
    assert message in err.message
    assert err.response.headers["x-request-id"]
    if status == 429:
        assert err.response.headers["retry-after"] == "7"


def test_connection_refused_is_502(openai_client: OpenAIFactory) -> None:
    with pytest.raises(openai.InternalServerError) as info:
        openai_client().chat.completions.create(**openai_params(Ask("dead-echo", "x"), False))
    assert info.value.status_code == 502
    assert "could not reach provider dead" in info.value.message


# ---- model groups -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("group", "answers"), [("group-5xx", "anthropic"), ("group-refused", "gemini")])
@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_group_falls_back_to_next_entry(
    openai_client: OpenAIFactory, fakes: Fakes, group: str, answers: str, stream: bool
) -> None:
    mk = marker()
    out = openai_client().chat.completions.with_raw_response.create(**openai_params(Ask(group, mk), stream))
    assert out.headers["x-bastion-target"] == f"{answers}/fake-echo"
    if stream:
        text = "".join(c.choices[0].delta.content or "" for c in out.parse() if c.choices)
    else:
        text = out.parse().choices[0].message.content or ""
    assert text == f"Echo: {mk}"
    assert fakes.by_name(answers).count(mk) == 1
    if group == "group-5xx":
        assert fakes.openai.find(mk).json["model"] == "fake-fail-503"  # tried first


def test_group_does_not_fall_back_on_4xx(openai_client: OpenAIFactory, fakes: Fakes) -> None:
    mk = marker()
    with pytest.raises(openai.BadRequestError):
        openai_client().chat.completions.create(**openai_params(Ask("group-400", mk), False))
    assert fakes.openai.count(mk) == 1
    assert fakes.anthropic.count(mk) == 0


def test_admin_key_is_accepted_as_x_api_key_but_never_forwarded(http: httpx.Client, fakes: Fakes) -> None:
    mk = marker()
    body = {"model": "openai-echo", "messages": [{"role": "user", "content": mk}]}
    resp = http.post(CHAT, json=body, headers={"x-api-key": ADMIN_KEY})
    assert resp.status_code == 200
    rec = fakes.openai.find(mk)
    assert ADMIN_KEY not in json.dumps(rec.headers)
    assert "x-api-key" not in rec.headers
