"""Residency during failover, the adaptive strategy on live traffic, and its state surviving a restart."""

from __future__ import annotations

import asyncio

import httpx

from bastion.routing.store import REDIS_KEY, RedisStore
from bastion.server.state import STATE
from harness import ADMIN_KEY
from routing.conftest import StartGateway, chat, uid
from routing.scripted import Scripted

ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}


def test_residency_holds_during_failover(scripted: Scripted, start_gateway: StartGateway) -> None:
    us, eu = f"us-{uid()}", f"eu-{uid()}"
    scripted.script(eu).status = 500
    gw = start_gateway(
        [
            {"name": "g", "provider": "p1", "model": us},  # us: healthy, first in priority
            {"name": "g", "provider": "p2", "model": eu},  # eu: failing
            {"name": "spare", "provider": "p1", "model": us},
        ],
        {"groups": {"g": {"fallbacks": ["spare"]}}, "retries": 1, "backoff": {"initial": 0.01}},
    )
    created = httpx.post(
        gw.url + "/admin/keys", headers=ADMIN, json={"name": f"eu-{uid()}", "regions": ["eu"]}
    )
    assert created.status_code == 201, created.text
    r = chat(gw, "g", key=created.json()["key"])
    assert r.status_code == 502  # failed closed: the healthy us target and the us fallback were never used
    assert scripted.hits(us) == 0 and scripted.hits(eu) == 2
    assert chat(gw, "spare", key=created.json()["key"]).json()["error"]["code"] == "region_not_allowed"
    assert chat(gw, "g").headers["x-bastion-target"] == f"p1/{us}"  # an unrestricted key may use us


def _targets(gw_url: str, n: int) -> list[str]:
    async def run() -> list[str]:
        out = []
        async with httpx.AsyncClient(base_url=gw_url, headers=ADMIN, timeout=20) as client:
            for i in range(n):
                body = {"model": "g", "messages": [{"role": "user", "content": f"q{i}"}]}
                r = await client.post("/v1/chat/completions", json=body)
                assert r.status_code == 200, r.text
                out.append(r.headers["x-bastion-target"])
        return out

    return asyncio.run(run())


def test_adaptive_shifts_traffic_and_remembers_it_across_restart(
    scripted: Scripted, start_gateway: StartGateway
) -> None:
    slow, fast = f"slow-{uid()}", f"fast-{uid()}"
    scripted.script(slow).delay = 0.15
    scripted.script(fast).delay = 0.005
    models = [{"name": "g", "provider": "p1", "model": slow}, {"name": "g", "provider": "p2", "model": fast}]
    routing = {"strategy": "adaptive", "adaptive": {"flush_seconds": 60}}
    gw = start_gateway(models, routing, db="adaptive.db")
    chosen = _targets(gw.url, 250)
    assert chosen[-100:].count(f"p2/{fast}") >= 90
    gw.stop()  # flushes the learned state to the database
    again = start_gateway(models, routing, db="adaptive.db")
    learner = again.runner.app[STATE].models.learner
    assert any(key[2] == f"p2/{fast}" and arm.n > 50 for key, arm in learner.arms.items())
    chosen = _targets(again.url, 20)
    assert chosen.count(f"p2/{fast}") >= 18  # no relearning from scratch


async def test_redis_store_round_trip() -> None:
    store = RedisStore("redis://127.0.0.1:6379/0")
    group = f"g-{uid()}"
    rows = [(group, "api=openai.chat", "p1/m", {"alpha": 3.5, "beta": 1.5, "n": 4})]
    try:
        await store.save(rows)
        loaded = [r for r in await store.load() if r[0] == group]
        assert loaded == rows
    finally:
        await store.client.hdel(REDIS_KEY, f"{group}\x1fapi=openai.chat\x1fp1/m")  # type: ignore[misc]
        await store.close()


def test_policy_region_is_fail_closed_across_fallbacks(
    scripted: Scripted, start_gateway: StartGateway
) -> None:
    us, eu = f"us-{uid()}", f"eu-{uid()}"
    scripted.script(eu).status = 503
    policies = [{"id": "eu-only", "when": {"models": ["g", "us-only"]},
                 "then": {"action": "route", "require_region": "eu"}}]  # fmt: skip
    gw = start_gateway(
        [
            {"name": "g", "provider": "p2", "model": eu},
            {"name": "us-only", "provider": "p1", "model": us},
        ],
        {"groups": {"g": {"fallbacks": ["us-only"]}}, "retries": 0},
        policies=policies,
    )
    r = chat(gw, "g")
    assert r.status_code == 502 and scripted.hits(us) == 0  # the us fallback is outside the allowed set
    r = chat(gw, "us-only")
    assert r.status_code == 403 and r.json()["error"]["code"] == "no_compliant_target"
    assert "eu-only" in r.json()["error"]["message"]
    assert scripted.hits(us) == 0
