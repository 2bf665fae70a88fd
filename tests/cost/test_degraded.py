"""Redis unreachable: rate limits fail open (admitted, flagged in the audit record, counted), budgets
fail closed (503) by default."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from cost.conftest import chat, cost_config, new_key, record_of
from fakes import Fakes
from harness import Gateway, auth, free_port


@pytest.fixture(scope="module")
def dead_redis_gw(fakes: Fakes, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    home: Path = tmp_path_factory.mktemp("cost-degraded")
    config = cost_config(fakes, home, redis_url=f"redis://127.0.0.1:{free_port()}/0")
    config["limits"]["redis_timeout"] = 0.2
    g = Gateway.start(config)
    yield g
    g.stop()


@pytest_asyncio.fixture(loop_scope="session")
async def dclient(dead_redis_gw: Gateway) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=dead_redis_gw.url, timeout=15) as c:
        yield c


async def test_rate_limits_fail_open_visibly(dclient: httpx.AsyncClient) -> None:
    key = (await new_key(dclient, limits={"rpm": 1}))["key"]
    rids = [f"open-{i}-{os.urandom(4).hex()}" for i in range(2)]
    for rid in rids:
        r = await dclient.post(
            "/v1/chat/completions", json=chat("demo-echo"), headers={**auth(key), "x-request-id": rid}
        )
        assert r.status_code == 200
        assert "x-ratelimit-limit-requests" not in r.headers
    record = await record_of(dclient, rids[1])
    assert "Redis unreachable" in record["limits"]["degraded"]
    counters = (await dclient.get("/admin/limits", headers=auth())).json()["counters"]
    assert counters["backend_errors"] >= 2 and counters["unchecked"] >= 2


async def test_budgets_fail_closed(dclient: httpx.AsyncClient) -> None:
    key = (await new_key(dclient, budget={"usd": 10}))["key"]
    r = await dclient.post("/v1/chat/completions", json=chat("priced-openai-echo"), headers=auth(key))
    assert r.status_code == 503
    assert r.json()["error"]["code"] == "limits_unavailable" and "budgets" in r.json()["error"]["message"]
    assert r.headers["retry-after"] == "1"
