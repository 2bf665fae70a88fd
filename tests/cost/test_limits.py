"""Rate limits, concurrency and budgets set through the admin API on keys and teams (and per model in
config), enforced by a real gateway: 429 with Retry-After and OpenAI's x-ratelimit-* headers, 402
naming the budget, soft limits flagged in the audit record, estimates settled to actual usage."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import anthropic
import httpx
import openai
import pytest

from cost.conftest import chat, new_key, new_team, record_of
from harness import auth


async def _post(
    client: httpx.AsyncClient, key: str, body: dict[str, Any], rid: str | None = None
) -> httpx.Response:
    headers = {**auth(key), "x-request-id": rid or os.urandom(6).hex()}
    return await client.post("/v1/chat/completions", json=body, headers=headers)


async def test_rpm_on_a_key(client: httpx.AsyncClient) -> None:
    key = (await new_key(client, limits={"rpm": 3}))["key"]
    answers = [await _post(client, key, chat("demo-echo")) for _ in range(4)]
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    assert [r.headers["x-ratelimit-remaining-requests"] for r in answers[:3]] == ["2", "1", "0"]
    assert answers[0].headers["x-ratelimit-limit-requests"] == "3"
    assert answers[0].headers["x-ratelimit-reset-requests"] == "1m0s"
    refused = answers[3]
    assert 55 <= int(refused.headers["retry-after"]) <= 60
    err = refused.json()["error"]
    assert err["type"] == "rate_limit_error" and err["code"] == "rate_limit_exceeded"
    assert "requests per minute" in err["message"] and "key '" in err["message"]


async def test_sdks_see_a_rate_limit_error(client: httpx.AsyncClient, gw: Any) -> None:
    key = (await new_key(client, limits={"rpm": 1}))["key"]
    with openai.OpenAI(base_url=gw.openai_base, api_key=key, max_retries=0) as oc:
        oc.chat.completions.create(model="demo-echo", messages=[{"role": "user", "content": "a"}])
        with pytest.raises(openai.RateLimitError):
            oc.chat.completions.create(model="demo-echo", messages=[{"role": "user", "content": "a"}])
    with (
        anthropic.Anthropic(base_url=gw.url, api_key=key, max_retries=0) as ac,
        pytest.raises(anthropic.RateLimitError),
    ):
        ac.messages.create(model="demo-echo", max_tokens=5, messages=[{"role": "user", "content": "a"}])


async def test_team_limits_are_shared_by_its_keys(client: httpx.AsyncClient) -> None:
    team = await new_team(client, limits={"rpm": 2})
    a, b = (await new_key(client, team=team["id"]))["key"], (await new_key(client, team=team["id"]))["key"]
    assert (await _post(client, a, chat("demo-echo"))).status_code == 200
    assert (await _post(client, b, chat("demo-echo"))).status_code == 200
    refused = await _post(client, a, chat("demo-echo"))
    assert refused.status_code == 429 and f"team '{team['name']}'" in refused.text
    # lifting the team's limits reaches the gateway within the identity poll interval
    r = await client.patch(f"/admin/teams/{team['id']}", json={"limits": None}, headers=auth())
    assert r.status_code == 200 and r.json()["limits"] is None
    for _ in range(40):
        if (await _post(client, b, chat("demo-echo"))).status_code == 200:
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError("the lifted limit never took effect")


async def test_model_limit_from_config(client: httpx.AsyncClient) -> None:
    key = (await new_key(client))["key"]
    codes = [(await _post(client, key, chat("limited-model"))).status_code for _ in range(3)]
    assert codes[-1] == 429 and codes.count(200) <= 2


async def test_concurrency(client: httpx.AsyncClient) -> None:
    key = (await new_key(client, limits={"concurrency": 1}))["key"]
    slow = asyncio.create_task(_post(client, key, chat("openai-slow")))  # holds its slot until it times out
    await asyncio.sleep(0.15)
    busy = await _post(client, key, chat("demo-echo"))
    assert busy.status_code == 429 and "concurrent requests" in busy.text
    await slow
    assert (await _post(client, key, chat("demo-echo"))).status_code == 200


async def test_tpm_is_estimated_then_settled(client: httpx.AsyncClient) -> None:
    key = (await new_key(client, limits={"tpm": 400}))["key"]
    too_big = await _post(client, key, chat("priced-openai-echo", max_tokens=500))
    assert too_big.status_code == 429 and too_big.json()["error"]["code"] == "request_too_large"
    first = await _post(client, key, chat("priced-openai-echo", max_tokens=300))
    assert first.status_code == 200
    assert int(first.headers["x-ratelimit-remaining-tokens"]) < 100
    # the call really used 18 tokens: settled, the next 300-token request fits
    second = await _post(client, key, chat("priced-openai-echo", max_tokens=300))
    assert second.status_code == 200, second.text


async def test_key_budget_reserve_settle_refuse(client: httpx.AsyncClient) -> None:
    # priced-openai-echo: $1000/$2000 per Mtok; a call uses 11 + 7 tokens = $0.025
    budget = {"usd": 0.06, "period": "day", "soft_usd": 0.03}
    key = await new_key(client, budget=budget)
    assert key["budget"] == budget
    rids = [f"bud-{i}-{os.urandom(4).hex()}" for i in range(3)]
    codes = [(await _post(client, key["key"], chat("priced-openai-echo", max_tokens=10), rid)).status_code
             for rid in rids]  # fmt: skip
    assert codes == [200, 200, 402]
    first, second, third = [await record_of(client, rid) for rid in rids]
    assert first["limits"]["reserved_usd"] == pytest.approx((5 * 1000 + 10 * 2000) / 1e6)
    assert "soft_budget_exceeded" not in first["limits"]
    assert second["limits"]["soft_budget_exceeded"] == [f"key '{key['name']}' daily budget of $0.06"]
    assert third["limits"]["denied"] == f"key '{key['name']}' daily budget of $0.06"
    assert third["cost"]["usd"] == 0.0


async def test_budget_error_names_the_budget(client: httpx.AsyncClient) -> None:
    team = await new_team(client, budget={"usd": 0.01, "period": "month"})
    key = (await new_key(client, team=team["id"]))["key"]
    r = await _post(client, key, chat("priced-openai-echo"))  # reserves 4096 output tokens: $8.19
    assert r.status_code == 402
    err = r.json()["error"]
    assert err["code"] == "budget_exceeded" and err["type"] == "insufficient_quota"
    assert f"team '{team['name']}' monthly budget of $0.01" in err["message"]
    ar = await client.post("/v1/messages", json={**chat("priced-openai-echo"), "max_tokens": 4000},
                           headers={**auth(key), "anthropic-version": "2023-06-01"})  # fmt: skip
    assert ar.status_code == 402 and ar.json()["error"]["type"] == "billing_error"


async def test_failed_calls_release_their_reservation(client: httpx.AsyncClient) -> None:
    key = (await new_key(client, budget={"usd": 0.05, "period": "total"}))["key"]
    for _ in range(5):  # each reserves $0.025 and fails upstream: released every time
        assert (await _post(client, key, chat("priced-openai-fail-500", max_tokens=10))).status_code == 502
    ok = await _post(client, key, chat("priced-openai-echo", max_tokens=10))
    assert ok.status_code == 200, ok.text


async def test_budget_on_an_unpriced_model_is_refused(client: httpx.AsyncClient) -> None:
    key = (await new_key(client, budget={"usd": 5}))["key"]
    r = await _post(client, key, chat("openai-echo"))
    assert r.status_code == 403 and r.json()["error"]["code"] == "price_unknown"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"limits": {"rpm": 0}}, "limits.rpm"),
        ({"limits": {"rps": 5}}, "limits.rps"),
        ({"budget": {"usd": 10, "period": "year"}}, "budget.period"),
        ({"budget": {"usd": -1}}, "budget.usd"),
        ({"budget": {"usd": 10, "soft_usd": 20}}, "budget"),
    ],
)
async def test_bad_limits_are_422_naming_the_field(
    client: httpx.AsyncClient, fields: dict[str, Any], field: str
) -> None:
    r = await client.post(
        "/admin/keys", json={"name": "bad-" + os.urandom(3).hex(), **fields}, headers=auth()
    )
    assert r.status_code == 422
    assert r.json()["error"]["errors"][0]["field"] == field


async def test_limits_status(client: httpx.AsyncClient) -> None:
    r = await client.get("/admin/limits", headers=auth())
    assert r.status_code == 200
    body = r.json()
    assert body["backend"] == "memory" and body["counters"]["admitted"] > 0
    assert body["price_table_date"][:4].isdigit()
