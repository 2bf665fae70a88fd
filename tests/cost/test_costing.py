"""Every call is costed in its audit record: each inbound API against each provider format, streamed
and not, embeddings, prices from the shipped table, a stream the client abandons (estimated from its
content), and failures (nothing spent). `GET /admin/usage` and `bastion usage` add them up."""

from __future__ import annotations

import asyncio
import os
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from cost.conftest import PRICES, chat, new_key, new_team, record_of
from fakes.anthropic import USAGE as ANTHROPIC_USAGE
from fakes.gemini import USAGE as GEMINI_USAGE
from fakes.openai import USAGE as OPENAI_USAGE
from harness import BASTION, auth, bastion_env

TOKENS = {
    "openai": (OPENAI_USAGE["prompt_tokens"], OPENAI_USAGE["completion_tokens"]),
    "anthropic": (ANTHROPIC_USAGE["input_tokens"], ANTHROPIC_USAGE["output_tokens"]),
    "gemini": (GEMINI_USAGE["promptTokenCount"], GEMINI_USAGE["candidatesTokenCount"]),
}
HEADERS = {**auth(), "anthropic-version": "2023-06-01"}


def _request(api: str, model: str, stream: bool) -> tuple[str, dict[str, Any]]:
    if api == "openai.chat":
        return "/v1/chat/completions", chat(model, stream=stream)
    if api == "anthropic.messages":
        return "/v1/messages", {**chat(model, stream=stream), "max_tokens": 50}
    return "/v1/responses", {"model": model, "input": "hi", "stream": stream}


CASES = [
    (api, provider, stream)
    for api in ("openai.chat", "anthropic.messages")
    for provider in ("openai", "anthropic", "gemini")
    for stream in (True, False)
] + [("openai.responses", "openai", True), ("openai.responses", "openai", False)]


@pytest.mark.parametrize(
    ("api", "provider", "stream"), CASES, ids=[f"{a}-{p}-{'stream' if s else 'full'}" for a, p, s in CASES]
)
async def test_every_format_is_costed(
    client: httpx.AsyncClient, api: str, provider: str, stream: bool
) -> None:
    rid = "cost-" + os.urandom(5).hex()
    path, body = _request(api, f"priced-{provider}-echo", stream)
    r = await client.post(path, json=body, headers={**HEADERS, "x-request-id": rid})
    assert r.status_code == 200, r.text
    cost = (await record_of(client, rid))["cost"]
    tokens_in, tokens_out = TOKENS[provider]
    inp, out = PRICES[provider]
    assert cost["source"] == "provider", cost
    assert (cost["input_tokens"], cost["output_tokens"]) == (tokens_in, tokens_out)
    assert cost["usd"] == pytest.approx((tokens_in * inp + tokens_out * out) / 1e6)
    assert cost["provider"] == provider and cost["price"]["source"] == "config"


@pytest.mark.parametrize(
    ("model", "per_mtok"),
    [("gpt-4o-mini", (0.15, 0.6)), ("claude-haiku", (1.0, 5.0)), ("gemini-flash", (0.3, 2.5))],
)
async def test_prices_come_from_the_shipped_table(
    client: httpx.AsyncClient, model: str, per_mtok: tuple[float, float]
) -> None:
    rid = "table-" + os.urandom(5).hex()
    r = await client.post(
        "/v1/chat/completions", json=chat(model, stream=True), headers={**HEADERS, "x-request-id": rid}
    )
    assert r.status_code == 200
    cost = (await record_of(client, rid))["cost"]
    assert cost["price"]["source"] == "table"
    assert cost["usd"] == pytest.approx(
        (cost["input_tokens"] * per_mtok[0] + cost["output_tokens"] * per_mtok[1]) / 1e6
    )
    assert cost["usd"] > 0


async def test_embeddings_are_costed(client: httpx.AsyncClient) -> None:
    rid = "emb-" + os.urandom(5).hex()
    r = await client.post("/v1/embeddings", json={"model": "priced-openai-echo", "input": "hello"},
                          headers={**HEADERS, "x-request-id": rid})  # fmt: skip
    assert r.status_code == 200
    cost = (await record_of(client, rid))["cost"]
    assert cost["input_tokens"] == 5 and cost["output_tokens"] == 0
    assert cost["usd"] == pytest.approx(5 * PRICES["openai"][0] / 1e6)


async def test_gemini_embeddings_without_usage_are_estimated_not_free(client: httpx.AsyncClient) -> None:
    rid = "gemb-" + os.urandom(5).hex()
    r = await client.post("/v1/embeddings", json={"model": "priced-gemini-echo", "input": "hello there"},
                          headers={**HEADERS, "x-request-id": rid})  # fmt: skip
    assert r.status_code == 200, r.text
    cost = (await record_of(client, rid))["cost"]
    assert cost["source"] == "estimated" and cost["usd"] > 0


async def test_demo_provider_costs_zero(client: httpx.AsyncClient) -> None:
    rid = "demo-" + os.urandom(5).hex()
    await client.post(
        "/v1/chat/completions", json=chat("demo-echo"), headers={**HEADERS, "x-request-id": rid}
    )
    cost = (await record_of(client, rid))["cost"]
    assert cost["usd"] == 0.0 and cost["price"]["source"] == "free"


async def test_unpriced_model_is_unknown_not_zero(client: httpx.AsyncClient) -> None:
    rid = "nop-" + os.urandom(5).hex()
    await client.post(
        "/v1/chat/completions", json=chat("openai-echo"), headers={**HEADERS, "x-request-id": rid}
    )
    cost = (await record_of(client, rid))["cost"]
    assert cost["usd"] is None and cost["reason"] == "no price for this model"
    assert cost["input_tokens"] == TOKENS["openai"][0]


@pytest.mark.parametrize("provider", ["openai", "anthropic", "gemini"])
async def test_abandoned_stream_is_costed_from_its_content(client: httpx.AsyncClient, provider: str) -> None:
    rid = "gone-" + os.urandom(5).hex()
    body = chat(f"priced-{provider}-endless", stream=True)
    async with client.stream(
        "POST", "/v1/chat/completions", json=body, headers={**HEADERS, "x-request-id": rid}
    ) as r:
        assert r.status_code == 200
        seen = 0
        async for line in r.aiter_lines():
            seen += line.startswith("data:")
            if seen >= 3:
                break
    cost = (await record_of(client, rid))["cost"]
    assert cost["usd"] is not None and cost["usd"] > 0, cost
    assert cost["output_tokens"] >= 1


async def test_provider_failure_costs_nothing(client: httpx.AsyncClient) -> None:
    rid = "fail-" + os.urandom(5).hex()
    r = await client.post(
        "/v1/chat/completions", json=chat("openai-fail-500"), headers={**HEADERS, "x-request-id": rid}
    )
    assert r.status_code >= 500
    cost = (await record_of(client, rid))["cost"]
    assert cost["usd"] == 0.0 and cost["reason"] == "no provider answered"


async def test_usage_report(client: httpx.AsyncClient, home: Path) -> None:
    team = await new_team(client)
    key = await new_key(client, team=team["id"])
    for _ in range(3):
        rid = "use-" + os.urandom(5).hex()
        r = await client.post("/v1/chat/completions", json=chat("priced-openai-echo"),
                              headers={**auth(key["key"]), "x-request-id": rid})  # fmt: skip
        assert r.status_code == 200
    await record_of(client, rid)
    one = (sum(t * p for t, p in zip(TOKENS["openai"], PRICES["openai"], strict=True))) / 1e6
    r = await client.get("/admin/usage", params={"group_by": "team", "team": team["name"]}, headers=auth())
    assert r.status_code == 200, r.text
    (row,) = r.json()["data"]
    assert row["group"] == team["name"] and row["requests"] == 3
    assert row["usd"] == pytest.approx(3 * one) and row["input_tokens"] == 3 * TOKENS["openai"][0]
    by_key = (
        await client.get("/admin/usage", params={"group_by": "key", "key": key["id"]}, headers=auth())
    ).json()
    assert by_key["data"][0]["group"] == key["id"] and by_key["total"]["usd"] == pytest.approx(3 * one)
    days = (
        await client.get("/admin/usage", params={"group_by": "day", "from": "2020-01-01"}, headers=auth())
    ).json()
    assert days["data"] and days["data"][-1]["requests"] >= 3
    models = (await client.get("/admin/usage", params={"group_by": "model"}, headers=auth())).json()
    unpriced = [g for g in models["data"] if g["group"] == "openai-echo"]
    assert (
        not unpriced
        or unpriced[0]["unknown_cost_requests"] == unpriced[0]["requests"] - unpriced[0]["errors"]
    )
    bad = await client.get("/admin/usage", params={"group_by": "colour"}, headers=auth())
    assert bad.status_code == 422 and "group_by" in bad.text
    # a team-admin sees its own team only
    other = await new_team(client)
    admin_key = await new_key(client, team=other["id"], role="team-admin")
    own = (
        await client.get("/admin/usage", params={"group_by": "team"}, headers=auth(admin_key["key"]))
    ).json()
    assert all(g["group"] == other["name"] for g in own["data"])
    # the CLI reads the same records from the database
    cfg = home / "usage.yaml"
    cfg.write_text(f"database_url: sqlite:///{home / 'gw.db'}\naudit:\n  dir: {home / 'audit'}\n")
    args = [BASTION, "usage", "--config", str(cfg), "--group-by", "team", "--team", team["name"]]
    out = await asyncio.to_thread(
        subprocess.run, args, capture_output=True, text=True, env=bastion_env(), timeout=60, check=False
    )
    assert out.returncode == 0, out.stderr
    assert team["name"] in out.stdout and f"{3 * one:.6f}" in out.stdout
