"""Circuit breakers (unit and end to end), the retry budget, the health endpoint, and client success while
one of two targets fails."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from bastion.config.routing import BreakerSettings, RetryBudget
from bastion.routing.breaker import CLOSED, HALF_OPEN, OPEN, Breaker
from bastion.routing.retry import RetryBudgetMeter
from harness import ADMIN_KEY
from routing.conftest import StartGateway, chat, uid
from routing.scripted import Scripted

ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}


def test_breaker_opens_probes_and_closes() -> None:
    b = Breaker(BreakerSettings(failures=3, open_seconds=10, half_open_probes=1))
    for _ in range(2):
        b.failure(now=0)
    assert b.state == CLOSED and b.allows(now=0)
    b.failure(now=0)
    assert b.state == OPEN and not b.allows(now=5)
    assert b.allows(now=10) and b.state == HALF_OPEN  # the probe
    assert not b.allows(now=10)  # one probe at a time
    b.failure(now=10)
    assert b.state == OPEN and not b.allows(now=15)
    assert b.allows(now=20)
    b.success()
    assert b.state == CLOSED and b.allows(now=20) and b.opens == 2


def test_breaker_release_frees_the_probe_and_hold_is_not_a_failure() -> None:
    b = Breaker(BreakerSettings(failures=1, open_seconds=1))
    b.failure(now=0)
    assert b.allows(now=1) and not b.allows(now=1)
    b.release()
    assert b.allows(now=1)
    c = Breaker(BreakerSettings())
    c.hold(30)
    assert c.state == CLOSED and c.consecutive == 0 and not c.allows() and c.retry_in() > 29


def test_retry_budget_meter() -> None:
    meter = RetryBudgetMeter(RetryBudget(ratio=0.1, min_per_second=0, window=10))
    for _ in range(100):
        meter.request(now=1000.5)
    granted = sum(meter.try_retry(now=1000.5) for _ in range(50))
    assert granted == 10 and meter.denied == 40
    assert meter.try_retry(now=1011.0) is False  # the window moved on: no requests, no budget


def test_breaker_end_to_end(scripted: Scripted, start_gateway: StartGateway) -> None:
    a, b = f"a-{uid()}", f"b-{uid()}"
    scripted.script(a).status = 500
    gw = start_gateway(
        [{"name": "g", "provider": "p1", "model": a}, {"name": "g", "provider": "p2", "model": b}],
        {"breaker": {"failures": 3, "open_seconds": 2}},
    )
    for _ in range(6):
        assert chat(gw, "g").status_code == 200
    assert scripted.hits(a) == 3  # opened after 3 consecutive failures, then skipped
    health = httpx.get(gw.url + "/admin/providers/health", headers=ADMIN).json()
    state = {t["target"]: t for t in health["targets"]}
    assert state[f"p1/{a}"]["breaker"] == "open" and state[f"p1/{a}"]["failures"] == 3
    assert state[f"p2/{b}"]["breaker"] == "closed" and state[f"p2/{b}"]["ttfb_ms"] is not None
    scripted.script(a).status = None  # the provider recovers
    time.sleep(2.1)
    r = chat(gw, "g")
    assert r.headers["x-bastion-target"] == f"p1/{a}"  # the half-open probe succeeded
    health = httpx.get(gw.url + "/admin/providers/health", headers=ADMIN).json()
    assert {t["target"]: t["breaker"] for t in health["targets"]}[f"p1/{a}"] == "closed"


def test_health_endpoint_shape_and_roles(scripted: Scripted, start_gateway: StartGateway) -> None:
    gw = start_gateway([{"name": "g", "provider": "p1", "model": f"x-{uid()}"}])
    body = httpx.get(gw.url + "/admin/providers/health", headers=ADMIN).json()
    assert set(body) == {"targets", "groups", "retry_budget_denied"}
    assert body["groups"][0]["strategy"] == "priority"
    assert httpx.get(gw.url + "/admin/providers/health").status_code == 401
    created = httpx.post(gw.url + "/admin/keys", headers=ADMIN, json={"name": f"app-{uid()}"})
    assert created.status_code == 201, created.text
    key = created.json()["key"]
    r = httpx.get(gw.url + "/admin/providers/health", headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 403
    openapi = httpx.get(gw.url + "/admin/openapi.json", headers=ADMIN).json()
    assert "/admin/providers/health" in openapi["paths"]


def test_retry_budget_caps_amplification(scripted: Scripted, start_gateway: StartGateway) -> None:
    m = f"down-{uid()}"
    scripted.script(m).status = 500
    gw = start_gateway(
        [{"name": "down", "provider": "p1", "model": m}],
        {
            "retries": 3,
            "backoff": {"initial": 0.001, "max": 0.002},
            "breaker": {"enabled": False},
            "retry_budget": {"ratio": 0.1, "min_per_second": 0, "window": 30},
        },
    )
    for _ in range(40):
        assert chat(gw, "down").status_code == 502
    # without a budget: 40 x 4 attempts; with it: one retry per ten requests seen
    assert scripted.hits(m) <= 40 + 4
    health = httpx.get(gw.url + "/admin/providers/health", headers=ADMIN).json()
    assert health["retry_budget_denied"] >= 30


@pytest.mark.parametrize("fault", ["500", "429", "refused"])
async def test_clients_succeed_while_one_of_two_targets_fails(
    scripted: Scripted, start_gateway: StartGateway, fault: str
) -> None:
    bad, good = f"bad-{uid()}", f"good-{uid()}"
    script = scripted.script(bad)
    if fault == "500":
        script.status = 500
    elif fault == "429":
        script.status, script.retry_after = 429, "1"
    gw = start_gateway(
        [
            {"name": "g", "provider": "dead" if fault == "refused" else "p1", "model": bad, "weight": 1},
            {"name": "g", "provider": "p2", "model": good, "weight": 1},
        ],
        {"strategy": "weighted", "breaker": {"open_seconds": 0.2}},
    )
    sem = asyncio.Semaphore(16)
    async with httpx.AsyncClient(base_url=gw.url, headers=ADMIN, timeout=20) as client:

        async def one(i: int) -> int:
            body = {"model": "g", "messages": [{"role": "user", "content": f"n{i}"}], "stream": i % 2 == 0}
            async with sem:
                r = await client.post("/v1/chat/completions", json=body)
                return r.status_code

        codes = await asyncio.gather(*(one(i) for i in range(1000)))
    assert codes.count(200) / len(codes) >= 0.999
    assert scripted.hits(bad) < 300  # breaker / Retry-After kept most traffic away from the failing target
