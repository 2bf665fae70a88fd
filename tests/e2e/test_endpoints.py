"""/v1/embeddings, /v1/responses, /v1/models, /healthz and /readyz through the official SDKs and httpx."""

from __future__ import annotations

import asyncio

import httpx
import openai
import pytest

from e2e.upstream import assert_no_client_key
from fakes import Fakes
from fakes import gemini as fake_gemini
from fakes import openai as fake_openai
from harness import (
    AZURE_API_VERSION,
    PROVIDER_KEYS,
    AnthropicFactory,
    AsyncOpenAIFactory,
    Gateway,
    OpenAIFactory,
    auth,
    marker,
)

# ---- embeddings ---------------------------------------------------------------------------------------

EMBEDDERS = {
    "openai": ("openai-echo", fake_openai.embedding),
    "gemini": ("gemini-echo", fake_gemini.embedding),
    "azure": ("azure-echo", fake_openai.embedding),
}


@pytest.mark.parametrize("provider", sorted(EMBEDDERS))
@pytest.mark.parametrize("encoding", ["float", None], ids=["float", "default-base64"])
def test_embeddings(openai_client: OpenAIFactory, fakes: Fakes, provider: str, encoding: str | None) -> None:
    model, expected = EMBEDDERS[provider]
    texts = [f"a {marker()}", f"longer text {marker()}"]
    extra = {"encoding_format": encoding} if encoding else {}
    out = openai_client().embeddings.create(model=model, input=texts, **extra)  # type: ignore[arg-type]
    assert [d.index for d in out.data] == [0, 1]
    assert [d.embedding for d in out.data] == [expected(t) for t in texts]
    rec = fakes.by_name(provider).find(texts[0])
    assert_no_client_key(rec)
    if provider == "gemini":
        assert rec.path == "/v1beta/models/fake-echo:batchEmbedContents"
        assert rec.headers["x-goog-api-key"] == PROVIDER_KEYS["gemini"]
        assert [r["model"] for r in rec.json["requests"]] == ["models/fake-echo"] * 2
        return
    # the openai SDK asks for base64 unless told otherwise; the gateway passes that through
    assert rec.json["encoding_format"] == (encoding or "base64")
    if provider == "azure":
        assert rec.path == "/openai/deployments/fake-echo/embeddings"
        assert rec.query == {"api-version": AZURE_API_VERSION}
        assert rec.headers["api-key"] == PROVIDER_KEYS["azure"]
    else:
        assert rec.path == "/v1/embeddings"
        assert rec.json["model"] == "fake-echo"
        assert out.usage.prompt_tokens == 5


def test_demo_embeddings_float_and_base64_agree(openai_client: OpenAIFactory) -> None:
    client = openai_client()
    as_float = client.embeddings.create(model="demo-embed", input=["x", "y"], encoding_format="float")
    as_b64 = client.embeddings.create(model="demo-embed", input=["x", "y"])
    assert len(as_float.data) == 2
    assert len(as_float.data[0].embedding) == 16
    for f, b in zip(as_float.data, as_b64.data, strict=True):
        assert b.embedding == pytest.approx(f.embedding, abs=1e-6)


def test_embeddings_refused_for_anthropic(openai_client: OpenAIFactory) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        openai_client().embeddings.create(model="anthropic-echo", input="x")
    assert "embeddings" in info.value.message


def test_azure_chat(openai_client: OpenAIFactory, fakes: Fakes) -> None:
    mk = marker()
    out = openai_client().chat.completions.create(
        model="azure-echo", messages=[{"role": "user", "content": mk}]
    )
    assert out.choices[0].message.content == f"Echo: {mk}"
    rec = fakes.openai.find(mk)
    assert rec.path == "/openai/deployments/fake-echo/chat/completions"
    assert rec.query == {"api-version": AZURE_API_VERSION}
    assert rec.headers["api-key"] == PROVIDER_KEYS["azure"]
    assert "authorization" not in rec.headers


# ---- responses ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["openai-echo", "demo-echo"])
@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_responses_sync(openai_client: OpenAIFactory, fakes: Fakes, model: str, stream: bool) -> None:
    mk = marker()
    client = openai_client()
    if stream:
        with client.responses.stream(model=model, input=f"hi {mk}") as events:
            deltas = [e.delta for e in events if e.type == "response.output_text.delta"]
            final = events.get_final_response()
        assert "".join(deltas) == f"Echo: hi {mk}"
    else:
        final = client.responses.create(model=model, input=f"hi {mk}")
    assert final.output_text == f"Echo: hi {mk}"
    assert final.usage is not None
    if model == "openai-echo":
        assert (final.usage.input_tokens, final.usage.output_tokens) == (11, 7)
        rec = fakes.openai.find(mk)
        assert rec.path == "/v1/responses"
        assert rec.json["model"] == "fake-echo"
        assert bool(rec.json.get("stream")) == stream
        assert_no_client_key(rec)


@pytest.mark.parametrize("model", ["openai-echo", "demo-echo"])
async def test_responses_async_stream(async_openai_client: AsyncOpenAIFactory, model: str) -> None:
    mk = marker()
    events = await async_openai_client().responses.create(model=model, input=f"hi {mk}", stream=True)
    kinds = []
    text = ""
    async for ev in events:
        kinds.append(ev.type)
        if ev.type == "response.output_text.delta":
            text += ev.delta
    assert text == f"Echo: hi {mk}"
    assert kinds[0] == "response.created"
    assert kinds[-1] == "response.completed"


@pytest.mark.parametrize("model", ["anthropic-echo", "gemini-echo"])
def test_responses_refused_for_non_openai(openai_client: OpenAIFactory, model: str) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        openai_client().responses.create(model=model, input="hi")
    assert info.value.status_code == 400
    assert "/v1/responses" in info.value.message


def test_responses_unknown_fields_pass_through(gateway: Gateway, fakes: Fakes) -> None:
    mk = marker()
    body = {"model": "openai-echo", "input": mk, "x_custom": {"deep": [1, mk]}}
    resp = httpx.post(f"{gateway.openai_base}/responses", json=body, headers=auth())
    assert resp.status_code == 200
    assert resp.json()["x_fake_extra"] == {"kept": True}
    assert fakes.openai.find(mk).json["x_custom"] == {"deep": [1, mk]}


# ---- models, health -----------------------------------------------------------------------------------


def test_models_openai_sdk(openai_client: OpenAIFactory) -> None:
    ids = [m.id for m in openai_client().models.list()]
    assert {"openai-echo", "anthropic-echo", "gemini-echo", "demo-echo", "group-5xx"} <= set(ids)
    assert len(ids) == len(set(ids)), "a model group is listed once"


def test_models_anthropic_sdk(anthropic_client: AnthropicFactory) -> None:
    ids = [m.id for m in anthropic_client().models.list()]
    assert {"openai-echo", "anthropic-echo", "gemini-echo", "demo-echo"} <= set(ids)


async def test_models_async(async_openai_client: AsyncOpenAIFactory) -> None:
    page = await async_openai_client().models.list()
    assert "demo-echo" in [m.id async for m in page]


def test_models_needs_a_key(gateway: Gateway) -> None:
    assert httpx.get(f"{gateway.openai_base}/models").status_code == 401


def test_healthz_and_readyz(gateway: Gateway) -> None:
    health = httpx.get(f"{gateway.url}/healthz")
    assert health.status_code == 200
    assert health.json()["status"] == "ok"
    ready = httpx.get(f"{gateway.url}/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"


async def test_concurrent_streams(async_openai_client: AsyncOpenAIFactory) -> None:
    """Many interleaved streams through one gateway keep their own answers."""

    async def one(i: int) -> str:
        out = ""
        stream = await async_openai_client().chat.completions.create(
            model=("openai-echo", "anthropic-echo", "gemini-echo")[i % 3],
            messages=[{"role": "user", "content": f"n{i}"}],
            stream=True,
        )
        async for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                out += chunk.choices[0].delta.content
        return out

    results = await asyncio.gather(*(one(i) for i in range(24)))
    assert results == [f"Echo: n{i}" for i in range(24)]


@pytest.mark.parametrize("behaviour", ["die", "truncate"])
def test_responses_stream_broken_mid_way_ends_with_error_event(
    openai_client: OpenAIFactory, behaviour: str
) -> None:
    """The gateway ends a broken Responses stream with the API's own `error` event (as a provider would)."""
    events = list(openai_client().responses.create(model=f"openai-{behaviour}", input="a b c d", stream=True))
    seen = [ev.type for ev in events]
    assert seen[0] == "response.created"
    assert "response.completed" not in seen
    assert seen[-1] == "error"
    assert "stream" in events[-1].message  # type: ignore[union-attr]


def test_responses_stream_provider_error_event_reaches_the_client(openai_client: OpenAIFactory) -> None:
    """A Responses stream's own `error` event is passed through as it is (the SDK yields it)."""
    events = list(openai_client().responses.create(model="openai-error-event", input="a b", stream=True))
    assert events[-1].type == "error"
    assert events[-1].message == "fake provider failed mid-stream"  # type: ignore[union-attr]
