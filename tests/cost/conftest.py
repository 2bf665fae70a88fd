"""A gateway for the cost tests: the shared fake providers, priced model entries, a model-level rate
limit, SQLite and the audit trail in a temp dir (in-process limits backend unless a test adds Redis)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from fakes import Fakes
from harness import ADMIN_KEY, Gateway, auth, free_port, gateway_config

# USD per million tokens of the priced entries (made expensive so small calls give visible numbers)
PRICES = {"openai": (1000.0, 2000.0), "anthropic": (3000.0, 15000.0), "gemini": (300.0, 2500.0)}


def cost_config(fakes: Fakes, home: Path, **extra: Any) -> dict[str, Any]:
    cfg = gateway_config(fakes, free_port(), home / "gw.db")
    for provider, (inp, out) in PRICES.items():
        for behaviour in ("echo", "endless", "fail-500"):
            cfg["models"].append({"name": f"priced-{provider}-{behaviour}", "provider": provider,
                                  "model": f"fake-{behaviour}", "input_cost_per_mtok": inp,
                                  "output_cost_per_mtok": out})  # fmt: skip
    cfg["models"] += [
        {"name": "gpt-4o-mini", "provider": "openai", "model": "gpt-4o-mini-2024-07-18"},
        {"name": "claude-haiku", "provider": "anthropic", "model": "claude-haiku-4-5-20251001"},
        {"name": "gemini-flash", "provider": "gemini", "model": "gemini-2.5-flash"},
        {"name": "limited-model", "provider": "demo", "model": "echo"},
    ]
    cfg["limits"] = {"models": {"limited-model": {"rpm": 2}}}
    cfg["audit"] = {"dir": str(home / "audit")}
    cfg.update(extra)
    return cfg


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cost")


@pytest.fixture(scope="module")
def gw(fakes: Fakes, home: Path) -> Iterator[Gateway]:
    g = Gateway.start(cost_config(fakes, home))
    yield g
    g.stop()


@pytest_asyncio.fixture(loop_scope="session")
async def client(gw: Gateway) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=gw.url, timeout=15) as c:
        yield c


def name(prefix: str = "k") -> str:
    return f"{prefix}-{os.urandom(4).hex()}"


async def new_key(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    r = await client.post("/admin/keys", json={"name": name(), **fields}, headers=auth())
    assert r.status_code == 201, r.text
    return dict(r.json())


async def new_team(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    r = await client.post("/admin/teams", json={"name": name("t"), **fields}, headers=auth())
    assert r.status_code == 201, r.text
    return dict(r.json())


async def record_of(client: httpx.AsyncClient, rid: str) -> dict[str, Any]:
    """The committed audit record of a request (waits for the group commit)."""
    for _ in range(200):
        r = await client.get(f"/admin/audit/{rid}", headers=auth(ADMIN_KEY))
        if r.status_code == 200:
            return dict(r.json()["data"][0])
        assert r.status_code == 404, r.text
        await asyncio.sleep(0.05)
    raise AssertionError(f"no audit record for {rid}")


def chat(model: str, text: str = "hi", **extra: Any) -> dict[str, Any]:
    return {"model": model, "messages": [{"role": "user", "content": text}], **extra}
