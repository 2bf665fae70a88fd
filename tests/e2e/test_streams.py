"""Streams that go wrong: the provider dies or stops mid-way (the client must get a well-formed error, never a
silent success), and the client goes away (the provider's connection must be closed promptly; for slow JSON
answers too)."""

from __future__ import annotations

import asyncio
import threading

import anthropic
import httpx
import openai
import pytest

from e2e.drive import Ask, anthropic_params, openai_params
from e2e.sse_read import events_of
from fakes import Fakes
from harness import (
    DISCONNECT_GRACE,
    AnthropicFactory,
    AsyncAnthropicFactory,
    AsyncOpenAIFactory,
    OpenAIFactory,
    auth,
    marker,
)

PROVIDERS = ("openai", "anthropic", "gemini")
BROKEN = ("die", "truncate", "error-event")


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("behaviour", BROKEN)
def test_openai_sdk_raises_mid_stream(openai_client: OpenAIFactory, provider: str, behaviour: str) -> None:
    got = []
    stream = openai_client().chat.completions.create(
        **openai_params(Ask(f"{provider}-{behaviour}", "a b c"), True)
    )
    with pytest.raises(openai.APIError) as info:
        for chunk in stream:
            got.append(chunk)
    assert got, "the stream had started before it broke"
    assert "provider" in info.value.message


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("behaviour", BROKEN)
def test_anthropic_sdk_raises_mid_stream(
    anthropic_client: AnthropicFactory, provider: str, behaviour: str
) -> None:
    params = anthropic_params(Ask(f"{provider}-{behaviour}", "a b c"))
    with pytest.raises(anthropic.APIError), anthropic_client().messages.stream(**params) as events:
        events.get_final_message()


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_async_sdks_raise_mid_stream(
    async_openai_client: AsyncOpenAIFactory, async_anthropic_client: AsyncAnthropicFactory, provider: str
) -> None:
    stream = await async_openai_client().chat.completions.create(
        **openai_params(Ask(f"{provider}-die", "a b"), True)
    )
    with pytest.raises(openai.APIError):
        async for _ in stream:
            pass
    params = anthropic_params(Ask(f"{provider}-truncate", "a b"))
    with pytest.raises(anthropic.APIError):
        async with async_anthropic_client().messages.stream(**params) as events:
            await events.get_final_message()


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("behaviour", BROKEN)
def test_broken_stream_ends_with_one_error_event(http: httpx.Client, provider: str, behaviour: str) -> None:
    """On the wire: events, then exactly one error event, and no success terminator after it."""
    model = f"{provider}-{behaviour}"
    chat = {"model": model, "stream": True, "messages": [{"role": "user", "content": "a b c"}]}
    resp = http.post("/v1/chat/completions", json=chat, headers=auth())
    assert resp.status_code == 200
    events = events_of(resp.text)
    assert events[-1][1]["error"]["message"]
    assert all(data != "[DONE]" for _, data in events)
    assert sum("error" in data for _, data in events if isinstance(data, dict)) == 1
    messages = {**chat, "max_tokens": 20}
    resp = http.post("/v1/messages", json=messages, headers=auth())
    names = [name for name, _ in events_of(resp.text)]
    assert names[0] == "message_start"
    assert names[-1] == "error"
    assert "message_stop" not in names


async def _wait(flag: threading.Event, seconds: float) -> bool:
    return await asyncio.to_thread(flag.wait, seconds)


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("path", ["/v1/chat/completions", "/v1/messages"])
def test_client_disconnect_closes_upstream(
    http: httpx.Client, fakes: Fakes, provider: str, path: str
) -> None:
    mk = marker()
    body = {
        "model": f"{provider}-endless",
        "stream": True,
        "max_tokens": 9,
        "messages": [{"role": "user", "content": mk}],
    }
    with http.stream("POST", path, json=body, headers=auth()) as resp:
        assert resp.status_code == 200
        lines = resp.iter_lines()
        seen = [line for _, line in zip(range(6), lines, strict=False)]
        assert seen
    rec = fakes.by_name(provider).find(mk)
    assert rec.closed.wait(DISCONNECT_GRACE), "the provider's connection stayed open after the client left"


async def test_async_sdk_close_closes_upstream(async_openai_client: AsyncOpenAIFactory, fakes: Fakes) -> None:
    mk = marker()
    stream = await async_openai_client().chat.completions.create(
        **openai_params(Ask("anthropic-endless", mk), True)
    )
    n = 0
    async for _ in stream:
        n += 1
        if n == 4:
            break
    await stream.close()
    rec = fakes.anthropic.find(mk)
    assert await _wait(rec.closed, DISCONNECT_GRACE)


def test_endless_stream_without_disconnect_keeps_flowing(http: httpx.Client, fakes: Fakes) -> None:
    """Control for the disconnect tests: while the client reads, the provider stays connected."""
    mk = marker()
    body = {"model": "openai-endless", "stream": True, "messages": [{"role": "user", "content": mk}]}
    with http.stream("POST", "/v1/chat/completions", json=body, headers=auth()) as resp:
        ticks = 0
        for line in resp.iter_lines():
            ticks += "tick" in line
            if ticks == 5:
                break
        assert not fakes.openai.find(mk).closed.is_set()


@pytest.mark.parametrize("provider", PROVIDERS)
def test_stream_stall_hits_idle_timeout(openai_client: OpenAIFactory, fakes: Fakes, provider: str) -> None:
    """Two events, then silence: after the provider's idle timeout the client gets an error, and the
    provider's connection is closed."""
    mk = marker()
    stream = openai_client().chat.completions.create(**openai_params(Ask(f"{provider}-stall", mk), True))
    with pytest.raises(openai.APIError) as info:
        for _ in stream:
            pass
    assert "idle" in info.value.message
    assert fakes.by_name(provider).find(mk).closed.wait(DISCONNECT_GRACE)


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("inbound", ["openai", "anthropic"])
def test_stream_dead_before_first_event_is_a_plain_502(
    openai_client: OpenAIFactory, anthropic_client: AnthropicFactory, provider: str, inbound: str
) -> None:
    """Nothing was sent to the client yet, so it gets a real HTTP error (and the SDK raises on create)."""
    model = f"{provider}-hangup"
    if inbound == "openai":
        with pytest.raises(openai.InternalServerError) as oinfo:
            openai_client().chat.completions.create(**openai_params(Ask(model, "x"), True))
        assert oinfo.value.status_code == 502
    else:
        with pytest.raises(anthropic.InternalServerError) as ainfo:
            anthropic_client().messages.create(**anthropic_params(Ask(model, "x")), stream=True)
        assert ainfo.value.status_code == 502


def test_stream_dead_before_first_event_falls_back(openai_client: OpenAIFactory, fakes: Fakes) -> None:
    mk = marker()
    stream = openai_client().chat.completions.create(**openai_params(Ask("group-hangup", mk), True))
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert text == f"Echo: {mk}"
    assert fakes.gemini.count(mk) == 1
    assert fakes.openai.count(mk) == 1


def test_client_giving_up_on_a_slow_answer_cancels_upstream(http: httpx.Client, fakes: Fakes) -> None:
    """Not only streams: a client that stops waiting for a JSON answer frees the provider call too (long
    before the provider's own timeouts)."""
    mk = marker()
    body = {"model": "openai-slow-roomy", "messages": [{"role": "user", "content": mk}]}
    with pytest.raises(httpx.ReadTimeout):
        http.post("/v1/chat/completions", json=body, headers=auth(), timeout=httpx.Timeout(5, read=0.3))
    assert fakes.openai.wait_for(mk).closed.wait(DISCONNECT_GRACE)
