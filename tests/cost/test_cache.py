"""The response cache (exact match, off by default): a hit never reaches the provider, a stream is
replayed as a stream, entries are per team (unless shared), hold pseudonyms only (restored per request),
the opt-out header bypasses it, failures are not cached, and Redis shares it between gateways."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from bastion.cache.store import MemoryStore
from cost.conftest import chat, cost_config, new_key, new_team, record_of
from fakes import Fakes
from harness import Gateway, auth, marker

REDIS = "redis://127.0.0.1:6379/0"
HEADERS = {"anthropic-version": "2023-06-01"}


@pytest.fixture(scope="module")
def cache_gw(fakes: Fakes, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    home: Path = tmp_path_factory.mktemp("cost-cache")
    g = Gateway.start(cost_config(fakes, home, cache={"enabled": True, "ttl": 60}, pii={"enabled": True}))
    yield g
    g.stop()


@pytest_asyncio.fixture(loop_scope="session")
async def cclient(cache_gw: Gateway) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=cache_gw.url, timeout=15) as c:
        yield c


async def _ask(client: httpx.AsyncClient, key: str, body: dict[str, Any], path: str = "/v1/chat/completions",
               **headers: str) -> httpx.Response:  # fmt: skip
    rid = "c-" + os.urandom(5).hex()
    return await client.post(
        path, json=body, headers={**auth(key), **HEADERS, "x-request-id": rid, **headers}
    )


async def test_a_hit_never_reaches_the_provider(cclient: httpx.AsyncClient, fakes: Fakes) -> None:
    key = (await new_key(cclient))["key"]
    mk = marker()
    first = await _ask(cclient, key, chat("priced-openai-echo", mk))
    second = await _ask(cclient, key, chat("priced-openai-echo", mk))
    assert (first.headers["x-bastion-cache"], second.headers["x-bastion-cache"]) == ("miss", "hit")
    assert second.json() == first.json()
    assert fakes.openai.count(mk) == 1
    miss = await record_of(cclient, first.headers["x-request-id"])
    hit = await record_of(cclient, second.headers["x-request-id"])
    assert hit["cache_hit"] is True and hit["provider"] is None
    assert hit["cost"]["usd"] == 0.0 and hit["cost"]["source"] == "cache"
    assert hit["cost"]["saved_usd"] == pytest.approx(miss["cost"]["usd"])


@pytest.mark.parametrize(
    ("path", "model", "fake"),
    [("/v1/chat/completions", "priced-openai-echo", "openai"),
     ("/v1/messages", "priced-gemini-echo", "gemini"),
     ("/v1/chat/completions", "priced-anthropic-echo", "anthropic")],
)  # fmt: skip
async def test_streams_are_replayed_as_streams(
    cclient: httpx.AsyncClient, fakes: Fakes, path: str, model: str, fake: str
) -> None:
    key = (await new_key(cclient))["key"]
    mk = marker()
    body = {**chat(model, mk, stream=True), "max_tokens": 50}
    first = await _ask(cclient, key, body, path)
    second = await _ask(cclient, key, body, path)
    assert second.headers["x-bastion-cache"] == "hit"
    assert second.headers["content-type"].startswith("text/event-stream")
    assert second.text == first.text and mk in second.text
    assert fakes.by_name(fake).count(mk) == 1


async def test_cache_is_per_team(cclient: httpx.AsyncClient, fakes: Fakes) -> None:
    red, blue = await new_team(cclient), await new_team(cclient)
    red1, red2 = (
        (await new_key(cclient, team=red["id"]))["key"],
        (await new_key(cclient, team=red["id"]))["key"],
    )
    blue1 = (await new_key(cclient, team=blue["id"]))["key"]
    mk = marker()
    assert (await _ask(cclient, red1, chat("priced-openai-echo", mk))).headers["x-bastion-cache"] == "miss"
    assert (await _ask(cclient, red2, chat("priced-openai-echo", mk))).headers["x-bastion-cache"] == "hit"
    assert (await _ask(cclient, blue1, chat("priced-openai-echo", mk))).headers["x-bastion-cache"] == "miss"
    assert fakes.openai.count(mk) == 2


async def test_cached_answers_hold_pseudonyms_restored_per_request(
    cclient: httpx.AsyncClient, fakes: Fakes
) -> None:
    key = (await new_key(cclient))["key"]
    mk = marker()
    first = await _ask(cclient, key, chat("priced-openai-echo", f"{mk} mail alice@example.com"))
    again = await _ask(cclient, key, chat("priced-openai-echo", f"{mk} mail alice@example.com"))
    assert again.headers["x-bastion-cache"] == "hit"
    assert "alice@example.com" in first.text and again.text == first.text  # restored on the hit too
    assert (
        b"alice@example.com" not in fakes.openai.find(mk).raw
    )  # the provider (and the cache) saw a pseudonym
    # the same prompt with other personal data pseudonymises to the same request: a hit, restored with
    # this request's own values
    other = await _ask(cclient, key, chat("priced-openai-echo", f"{mk} mail bob@example.com"))
    assert other.headers["x-bastion-cache"] == "hit"
    assert "bob@example.com" in other.text and "alice" not in other.text
    assert fakes.openai.count(mk) == 1


async def test_opt_out_and_failures(cclient: httpx.AsyncClient, fakes: Fakes) -> None:
    key = (await new_key(cclient))["key"]
    mk = marker()
    for _ in range(2):
        r = await _ask(cclient, key, chat("priced-openai-echo", mk), **{"x-bastion-cache": "no"})
        assert r.headers["x-bastion-cache"] == "bypass"
    assert fakes.openai.count(mk) == 2
    die = marker()
    for _ in range(2):
        await _ask(cclient, key, chat("openai-die", die, stream=True))
    assert fakes.openai.count(die) == 2  # a broken stream is not cached


async def test_memory_store_ttl_and_size() -> None:
    store = MemoryStore(max_entries=2)
    await store.put("a", b"1", 60)
    await store.put("b", b"2", 0.05)
    await store.put("c", b"3", 60)
    assert await store.get("a") is None  # least recently used, dropped
    await asyncio.sleep(0.1)
    assert await store.get("b") is None and await store.get("c") == b"3"


async def test_redis_cache_is_shared_between_gateways(
    fakes: Fakes, tmp_path_factory: pytest.TempPathFactory
) -> None:
    home = tmp_path_factory.mktemp("cost-cache-redis")
    cfg = cost_config(fakes, home, redis_url=REDIS, cache={"enabled": True, "share_across_teams": True})
    first, second = Gateway.start(cfg), Gateway.start(cfg)
    try:
        mk = marker()
        async with httpx.AsyncClient(timeout=15) as c:
            body = chat("priced-openai-echo", mk, stream=True)
            a = await c.post(first.url + "/v1/chat/completions", json=body, headers=auth())
            b = await c.post(second.url + "/v1/chat/completions", json=body, headers=auth())
        assert (a.headers["x-bastion-cache"], b.headers["x-bastion-cache"]) == ("miss", "hit")
        assert a.text == b.text and fakes.openai.count(mk) == 1
    finally:
        first.stop()
        second.stop()
