"""Scale-out: three `bastion serve` processes on one PostgreSQL and one Redis, under continuous load from
async clients, while a key is revoked, the policy set changes and a model is added. No request fails but
the intended ones (401 after the revocation, 403 from the new rule); each change is in force on every
process within a second; rate limits and budgets hold across the three (counters shared in Redis).

PostgreSQL and Redis are the test services (skipped when absent, failed with BASTION_TEST_REQUIRE_SERVICES).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from fakes import Fakes
from harness import ADMIN_KEY, Served, auth, bastion_env, free_port, fresh_pg_database, wait_ready
from identity.conftest import require_redis
from runtime.conftest import base_config, write

PROCESSES = 3
CLIENTS_PER_PROCESS = 2
WITHIN = 1.0  # seconds for a change to be in force on every process
RULE = {"id": "no-falcon", "when": {"keywords": ["falcon"]}, "then": {"action": "deny", "message": "no"}}


@dataclass(slots=True)
class Sent:
    kind: str  # plain | revoked | falcon | added
    url: str
    started: float
    ended: float
    status: int
    body: str


@contextlib.contextmanager
def _postgres() -> Iterator[str]:
    try:
        with fresh_pg_database("bastion_scale") as url:
            yield url
    except OSError as exc:
        if os.environ.get("BASTION_TEST_REQUIRE_SERVICES"):
            pytest.fail(f"PostgreSQL unavailable: {exc}")
        pytest.skip(f"PostgreSQL unavailable: {exc}")


def _chat(model: str, text: str = "hello") -> dict[str, Any]:
    return {"model": model, "messages": [{"role": "user", "content": text}], "max_tokens": 10}


async def _until(http: httpx.AsyncClient, url: str, key: str, body: dict[str, Any], status: int) -> float:
    """Seconds until `url` answers `status` to this request (probing every 20 ms)."""
    t0 = time.monotonic()
    while True:
        r = await http.post(url + "/v1/chat/completions", json=body, headers=auth(key))
        if r.status_code == status:
            return time.monotonic() - t0
        assert time.monotonic() - t0 < 10, (url, r.status_code, r.text)
        await asyncio.sleep(0.02)


class Scenario:
    def __init__(self, urls: list[str], stay: str, revoked: dict[str, Any]) -> None:
        self.urls, self.stay, self.revoked = urls, stay, revoked
        self.sent: list[Sent] = []
        self.marks: dict[str, float] = {}
        self.latency: dict[str, list[float]] = {}
        self.stop = asyncio.Event()

    async def client(self, url: str, n: int) -> None:
        kinds = ("plain", "revoked", "falcon", "added")
        async with httpx.AsyncClient(base_url=url, timeout=60) as http:
            while not self.stop.is_set():
                n += 1
                kind = kinds[n % len(kinds)]
                if kind == "added" and "added" not in self.marks:
                    kind = "plain"
                key = self.revoked["key"] if kind == "revoked" else self.stay
                body = _chat(
                    "added" if kind == "added" else "file-echo", "about falcon" if kind == "falcon" else "hi"
                )
                t0 = time.monotonic()
                r = await http.post("/v1/chat/completions", json=body, headers=auth(key))
                self.sent.append(Sent(kind, url, t0, time.monotonic(), r.status_code, r.text[:300]))

    async def change(
        self, name: str, method: str, path: str, body: Any, probe: tuple[str, dict[str, Any], int]
    ) -> None:
        """Make a change through one process, then time it on every process."""
        async with httpx.AsyncClient(base_url=self.urls[0], headers=auth(ADMIN_KEY), timeout=30) as admin:
            self.marks[name + ":start"] = time.monotonic()
            r = await admin.request(method, "/admin" + path, json=body)
            assert r.status_code in (200, 201), r.text
            self.marks[name + ":done"] = time.monotonic()
            key, request, status = probe
            self.latency[name] = await asyncio.gather(
                *(_until(admin, u, key, request, status) for u in self.urls)
            )
            if name == "model":
                self.marks["added"] = time.monotonic()

    async def run(self) -> None:
        clients = [
            asyncio.create_task(self.client(u, i)) for u in self.urls for i in range(CLIENTS_PER_PROCESS)
        ]
        await asyncio.sleep(2)
        key_id = self.revoked["id"]
        await self.change(
            "revoke", "DELETE", f"/keys/{key_id}", None, (self.revoked["key"], _chat("file-echo"), 401)
        )
        await asyncio.sleep(1.5)
        await self.change(
            "policy", "PUT", "/policies", {"policies": [RULE]}, (self.stay, _chat("file-echo", "falcon"), 403)
        )
        await asyncio.sleep(1.5)
        added = {"name": "added", "provider": "openai", "model": "fake-echo"}
        await self.change("model", "POST", "/models", added, (self.stay, _chat("added"), 200))
        await asyncio.sleep(2)
        self.stop.set()
        await asyncio.gather(*clients)

    def failures(self) -> list[Sent]:
        """Every answer that is not what it had to be at the time it was asked."""
        bad = []
        for s in self.sent:
            if s.kind in ("plain", "added"):
                ok = s.status == 200
            elif s.kind == "revoked":
                ok = (s.status == 200 and s.started < self.marks["revoke:done"] + WITHIN) or (
                    s.status == 401 and s.ended > self.marks["revoke:start"]
                )
            else:
                denied = s.status == 403 and "policy_denied" in s.body
                ok = (s.status == 200 and s.started < self.marks["policy:done"] + WITHIN) or (
                    denied and s.ended > self.marks["policy:start"]
                )
            if not ok:
                bad.append(s)
        return bad


def _sequence(urls: list[str], key: str, count: int, stop_at: int | None = None) -> list[int]:
    """`count` requests one after the other, round robin over `urls`; their statuses."""
    statuses = []
    with httpx.Client(timeout=30) as http:
        for i in range(count):
            r = http.post(
                urls[i % len(urls)] + "/v1/chat/completions", json=_chat("file-echo"), headers=auth(key)
            )
            statuses.append(r.status_code)
            if stop_at is not None and r.status_code == stop_at:
                break
    return statuses


def test_three_gateways_share_one_database_and_one_redis(fakes: Fakes, tmp_path: Path) -> None:
    redis_url = require_redis()
    with _postgres() as database_url:
        data = base_config(fakes, tmp_path / "unused.db")
        data["models"][0].update(input_cost_per_mtok=1000, output_cost_per_mtok=1000)
        data.update(database_url=database_url, redis_url=redis_url)
        path = write(tmp_path / "bastion.yaml", data)
        served = [
            Served(["serve", "--config", str(path), "--port", str(free_port())], bastion_env(), tmp_path)
            for _ in range(PROCESSES)
        ]
        try:
            urls = [s.wait_listening() for s in served]
            for url in urls:
                wait_ready(url)
            _scenario_and_limits(urls)
        finally:
            logs = [s.stop() for s in served]
        assert all("Traceback" not in log for log in logs), logs


def _scenario_and_limits(urls: list[str]) -> None:
    with httpx.Client(base_url=urls[0], headers=auth(ADMIN_KEY), timeout=30) as admin:

        def key(**body: Any) -> dict[str, Any]:
            r = admin.post("/admin/keys", json={"name": f"k-{os.urandom(4).hex()}", **body})
            assert r.status_code == 201, r.text
            return r.json()  # type: ignore[no-any-return]

        stay, revoked = key(), key()
        rpm, budget_one, budget_all = (
            key(limits={"rpm": 6}),
            key(budget={"usd": 0.1}),
            key(budget={"usd": 0.1}),
        )
    time.sleep(WITHIN)  # new keys reach every process

    scenario = Scenario(urls, stay["key"], revoked)
    asyncio.run(scenario.run())
    print(f"{len(scenario.sent)} requests; in force everywhere after (s): {scenario.latency}")
    failures = scenario.failures()
    assert not failures, failures[:5]
    assert len(scenario.sent) > 100 and {s.url for s in scenario.sent} == set(urls)
    assert {s.kind for s in scenario.sent if s.status in (401, 403)} == {"revoked", "falcon"}
    for change, seconds in scenario.latency.items():
        assert max(seconds) < WITHIN, (change, seconds)

    # rate limits: 6 requests a minute for the key, whichever process serves them
    statuses = _sequence(urls, rpm["key"], 12)
    assert statuses.count(200) == 6 and statuses.count(429) == 6, statuses
    # budgets: the three together admit what one alone does
    alone = _sequence(urls[:1], budget_one["key"], 30, stop_at=402)
    together = _sequence(urls, budget_all["key"], 30, stop_at=402)
    assert alone[-1] == 402 and alone.count(200) >= 2, alone
    assert together == alone, (alone, together)
