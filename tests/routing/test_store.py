"""The adaptive learner's persistence: the database store on SQLite and PostgreSQL (migration
routing_0001), and a learner that survives a save and load."""

from __future__ import annotations

import os
import random
import uuid
from pathlib import Path

import pytest

from bastion.config.routing import AdaptiveSettings
from bastion.routing.bandit import Learner
from bastion.routing.store import DatabaseStore, Persistence
from bastion.storage import open_storage

PG = os.environ.get("BASTION_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


async def _pg(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_learner_survives_save_and_load(backend: str, tmp_path: Path) -> None:
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path}/learn.db"
    else:
        name = f"bastion_routing_{uuid.uuid4().hex[:8]}"
        try:
            await _pg(f"CREATE DATABASE {name}")
        except OSError as exc:
            pytest.skip(f"PostgreSQL unavailable: {exc}")
        url = PG.rsplit("/", 1)[0] + "/" + name
    storage = open_storage(url)
    await storage.open()
    try:
        settings = AdaptiveSettings()
        learner = Learner(random.Random(1))
        for _ in range(20):
            learner.observe("g", "api=x", "p/a", settings=settings, ok=True, latency_ms=100, usd=0.01)
            learner.observe("g", "api=x", "p/b", settings=settings, ok=False)
        saver = Persistence(learner, DatabaseStore(storage), interval=60)
        await saver.flush()
        learner.observe("g", "api=x", "p/a", settings=settings, ok=True, latency_ms=100, usd=0.01)
        await saver.flush()  # an upsert of the changed rows
        fresh = Learner(random.Random(2))
        assert fresh.load(await DatabaseStore(storage).load()) == 3  # two arms and the context's scales
        a, b = fresh.arms[("g", "api=x", "p/a")], fresh.arms[("g", "api=x", "p/b")]
        assert a.n == 21 and b.n == 20 and a.mean == pytest.approx(0.5) and b.mean < 0.1
        assert fresh.scales[("g", "api=x")].latency == pytest.approx(100)
    finally:
        await storage.close()
        if backend == "postgresql":
            await _pg(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]}")
