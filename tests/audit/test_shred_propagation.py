"""Crypto-shredding reaches every running worker promptly, like key revocation: two `bastion serve --workers
2` replicas keep a team's content encrypted; `bastion audit shred` destroys its data keys; within a second
every worker has dropped its cached key (its next record for the team uses a new key) — through Redis
pub/sub on PostgreSQL (the backstop poll set to 30 s, so only the message can do it), and through the
version poll on SQLite without Redis. No key made before the shred survives in the database, every key
made after it does, and the chain verifies."""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest
import sqlalchemy as sa

from audit.test_crash import stored, write_config
from bastion.audit.schema import data_keys, records
from bastion.config import load_config
from bastion.storage import open_storage
from harness import BASTION, Served, auth, bastion_env, free_port, wait_ready
from identity.conftest import require_redis

DEADLINE = 1.0
TEAM = "legal"


def cli(config: Path, *args: str) -> str:
    out = subprocess.run([BASTION, *args, "--config", str(config)], capture_output=True, text=True,
                         env=bastion_env(), timeout=60, check=False)  # fmt: skip
    assert out.returncode == 0, out.stderr
    return out.stdout


@pytest.fixture(params=["postgresql+redis", "sqlite-poll"])
def setup(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Path, list[str], str]]:
    """(config, replica URLs, the team's key)."""
    if request.param == "sqlite-poll":
        db_url, extra = f"sqlite:///{tmp_path}/shared.db", {}
    else:
        extra = {"redis_url": require_redis(), "identity": {"redis_poll_interval": 30.0}}
        db_url = request.getfixturevalue("pg_url")
    path = write_config(tmp_path, db_url, teams={TEAM: "encrypted"})
    path.write_bytes(orjson.dumps({**orjson.loads(path.read_bytes()), **extra}))
    cli(path, "teams", "create", TEAM)
    key = orjson.loads(cli(path, "keys", "create", "svc", "--team", TEAM, "--format", "json"))["key"]
    procs: list[Served] = []
    try:
        for _ in range(2):
            served = Served(["serve", "--config", str(path), "--port", str(free_port()), "--workers", "2"],
                            bastion_env(), tmp_path)  # fmt: skip
            procs.append(served)
            wait_ready(served.wait_listening(60), timeout=60)
        yield path, [p.url for p in procs], key
    finally:
        for p in procs:
            p.stop()
        for p in procs:
            assert p.proc.returncode == 0, p.stderr


def chat(url: str, key: str, rid: str) -> None:
    # a new connection per request, so SO_REUSEPORT spreads them over the workers
    body = {"model": "demo-echo", "messages": [{"role": "user", "content": f"secret {rid}"}]}
    r = httpx.post(url + "/v1/chat/completions", json=body, headers={**auth(key), "x-request-id": rid},
                   timeout=10)  # fmt: skip
    assert r.status_code == 200, r.text


async def _state(config: Path) -> tuple[dict[str, str], set[str]]:
    """(request id -> data key id of its content, the team's data keys in the database)."""
    cfg = load_config(config)
    storage = open_storage(cfg.database_url)
    await storage.open()
    try:
        async with storage.read() as conn:
            q = sa.select(records.c.payload).where(records.c.kind == "request", records.c.team == TEAM)
            used = {}
            for payload in await conn.scalars(q):
                rec = orjson.loads(payload)
                used[rec["request_id"]] = rec["content"]["key_id"]
            keys = set(await conn.scalars(sa.select(data_keys.c.id).where(data_keys.c.team == TEAM)))
    finally:
        await storage.close()
    return used, keys


def test_shred_reaches_every_worker(setup: tuple[Path, list[str], str]) -> None:
    config, urls, key = setup
    for i in range(24):
        chat(urls[i % 2], key, f"pre-{i}")
    time.sleep(0.5)  # committed: these keys are in the database
    cli(config, "audit", "shred", "--team", TEAM)
    shredded = time.monotonic()
    probes: list[tuple[float, str]] = []
    i = 0
    while time.monotonic() - shredded < DEADLINE + 1.5 or len(probes) < 32:
        rid = f"post-{i}"
        probes.append((time.monotonic() - shredded, rid))
        chat(urls[i % 2], key, rid)
        i += 1
    for r in urls:  # the replicas stop (committing everything) when the fixture ends; wait for commits here
        wait_ready(r)
    time.sleep(0.5)

    used, stored_keys = asyncio.run(_state(config))
    old = {used[f"pre-{i}"] for i in range(24)}
    assert old and not old & stored_keys, "a data key made before the shred is still in the database"
    last_old = max((n for n, (_, rid) in enumerate(probes) if used[rid] in old), default=-1)
    assert last_old < len(probes) - 16, "workers still encrypt with a destroyed key"
    settled = probes[last_old + 1][0]
    print(f"shred settled on every worker {settled * 1000:.0f} ms after the command returned")
    assert settled <= DEADLINE
    after = {used[rid] for _, rid in probes[last_old + 1 :]}
    assert after and after <= stored_keys, "content written after the shred must stay readable"
    _, verdict = asyncio.run(stored(config))
    assert verdict.ok, verdict.summary()
