"""`chat`: send an `Ask` through either SDK (sync clients run in a worker thread, async ones on the
session loop) and get the `Reply`."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator

import httpx
import pytest

from e2e.drive import Ask, Reply, anthropic_async, anthropic_sync, openai_async, openai_sync
from harness import AnthropicFactory, AsyncAnthropicFactory, AsyncOpenAIFactory, Gateway, OpenAIFactory

Chat = Callable[[str, str, bool, Ask], Awaitable[Reply]]


@pytest.fixture(scope="session")
def http(gateway: Gateway) -> Iterator[httpx.Client]:
    """A raw HTTP client on the gateway (no key unless a test sends one)."""
    with httpx.Client(base_url=gateway.url, timeout=10) as client:
        yield client


@pytest.fixture
def chat(
    openai_client: OpenAIFactory,
    anthropic_client: AnthropicFactory,
    async_openai_client: AsyncOpenAIFactory,
    async_anthropic_client: AsyncAnthropicFactory,
) -> Chat:
    async def run(inbound: str, mode: str, stream: bool, ask: Ask) -> Reply:
        if inbound == "openai":
            if mode == "sync":
                return await asyncio.to_thread(openai_sync, openai_client(), ask, stream)
            return await openai_async(async_openai_client(), ask, stream)
        if mode == "sync":
            return await asyncio.to_thread(anthropic_sync, anthropic_client(), ask, stream)
        return await anthropic_async(async_anthropic_client(), ask, stream)

    return run
