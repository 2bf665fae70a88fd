"""Shared fixtures: the fake providers and a gateway pointed at them (both session-scoped, real servers on
127.0.0.1 port 0), the admin key, and factories for the official SDK clients pointed at the gateway.

SDK clients are costly to build (~0.1 s each), so one of each kind is built per session; a factory call
with options (`openai_client(api_key="bad")`) returns a copy sharing its connection pool. Async clients
belong to the session event loop every async test runs on."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import anthropic
import openai
import pytest
import pytest_asyncio

from fakes import Fakes
from harness import (
    ADMIN_KEY,
    AnthropicFactory,
    AsyncAnthropicFactory,
    AsyncOpenAIFactory,
    Gateway,
    OpenAIFactory,
    free_port,
    gateway_config,
)

OPTIONS: dict[str, Any] = {"api_key": ADMIN_KEY, "max_retries": 0, "timeout": 10.0}


@pytest.fixture(scope="session")
def fakes() -> Iterator[Fakes]:
    started = Fakes.start()
    yield started
    started.stop()


@pytest.fixture(scope="session")
def gateway(fakes: Fakes, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    db = tmp_path_factory.mktemp("gateway") / "bastion.db"
    gw = Gateway.start(gateway_config(fakes, free_port(), db))
    yield gw
    gw.stop()


@pytest.fixture(scope="session")
def admin_key() -> str:
    return ADMIN_KEY


@pytest.fixture(scope="session")
def _openai(gateway: Gateway) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=gateway.openai_base, **OPTIONS) as client:
        yield client


@pytest.fixture(scope="session")
def _anthropic(gateway: Gateway) -> Iterator[anthropic.Anthropic]:
    with anthropic.Anthropic(base_url=gateway.url, **OPTIONS) as client:
        yield client


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def _async_openai(gateway: Gateway) -> AsyncIterator[openai.AsyncOpenAI]:
    async with openai.AsyncOpenAI(base_url=gateway.openai_base, **OPTIONS) as client:
        yield client


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def _async_anthropic(gateway: Gateway) -> AsyncIterator[anthropic.AsyncAnthropic]:
    async with anthropic.AsyncAnthropic(base_url=gateway.url, **OPTIONS) as client:
        yield client


@pytest.fixture
def openai_client(_openai: openai.OpenAI) -> OpenAIFactory:
    return lambda **kw: _openai.with_options(**kw) if kw else _openai


@pytest.fixture
def anthropic_client(_anthropic: anthropic.Anthropic) -> AnthropicFactory:
    return lambda **kw: _anthropic.with_options(**kw) if kw else _anthropic


@pytest.fixture
def async_openai_client(_async_openai: openai.AsyncOpenAI) -> AsyncOpenAIFactory:
    return lambda **kw: _async_openai.with_options(**kw) if kw else _async_openai


@pytest.fixture
def async_anthropic_client(_async_anthropic: anthropic.AsyncAnthropic) -> AsyncAnthropicFactory:
    return lambda **kw: _async_anthropic.with_options(**kw) if kw else _async_anthropic
