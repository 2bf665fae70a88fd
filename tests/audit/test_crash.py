"""No loss with real processes: `kill -9` of a gateway under load loses no record of a response the client
received in full (records sit in the journal until committed; the next start replays them); a graceful
stop commits everything; several worker processes on one database keep one ordered chain."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path
from typing import Any

import httpx
import orjson
import sqlalchemy as sa

from bastion.audit.material import load_material
from bastion.audit.schema import records
from bastion.audit.store import AuditStore
from bastion.audit.verify import verify
from bastion.config import load_config
from bastion.storage import open_storage
from harness import ADMIN_KEY, Served, auth, bastion_env, wait_ready


def write_config(tmp_path: Path, db_url: str, **audit: Any) -> Path:
    cfg = {
        "admin_key": ADMIN_KEY,
        "database_url": db_url,
        "providers": [{"name": "demo", "type": "demo", "region": "local"}],
        "models": [{"name": "demo-echo", "provider": "demo", "model": "echo"}],
        "audit": {"dir": str(tmp_path / "audit"), "checkpoint_every": 50, **audit},
    }
    path = tmp_path / "bastion.yaml"
    path.write_bytes(orjson.dumps(cfg))
    return path


def serve(config: Path, tmp_path: Path, *extra: str) -> Served:
    port = () if "--port" in extra else ("--port", "0")
    s = Served(["serve", "--config", str(config), *port, *extra], bastion_env(), tmp_path)
    if port:
        s.wait_listening()
    return s


async def one(client: httpx.AsyncClient, i: int) -> str | None:
    """One request; its id when the full answer arrived (a stream: through its [DONE])."""
    rid = f"load-{i}-{os.urandom(3).hex()}"
    stream = i % 2 == 0
    body = {"model": "demo-echo", "stream": stream, "messages": [{"role": "user", "content": f"n{i}"}]}
    try:
        r = await client.post("/v1/chat/completions", json=body, headers={**auth(), "x-request-id": rid})
    except httpx.HTTPError:
        return None
    if r.status_code != 200:
        return None
    if stream and not r.text.rstrip().endswith("data: [DONE]"):
        return None
    return rid


async def load(url: str, seconds: float, concurrency: int = 16) -> list[str]:
    done: list[str] = []
    stop = asyncio.get_running_loop().time() + seconds
    counter = iter(range(10**9))

    async def worker(client: httpx.AsyncClient) -> None:
        while asyncio.get_running_loop().time() < stop:
            rid = await one(client, next(counter))
            if rid is not None:
                done.append(rid)
            elif asyncio.get_running_loop().time() < stop:
                await asyncio.sleep(0.01)

    async with httpx.AsyncClient(base_url=url, timeout=5) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    return done


async def stored(config_path: Path) -> tuple[list[str], Any]:
    config = load_config(config_path)
    storage = open_storage(config.database_url)
    await storage.open()
    try:
        async with storage.read() as conn:
            rids = list(
                await conn.scalars(sa.select(records.c.request_id).where(records.c.kind == "request"))
            )
        material = load_material(config.audit, config.database_url)
        verdict = await verify(AuditStore(storage), material.trusted)
    finally:
        await storage.close()
    return rids, verdict


async def test_kill_9_under_load_loses_no_completed_record(db_url: str, tmp_path: Path) -> None:
    # a long group-commit interval: at the kill most records exist only in the journal
    config = write_config(tmp_path, db_url, flush_interval=2.0)
    gw = serve(config, tmp_path)
    try:
        wait_ready(gw.url)
        task = asyncio.create_task(load(gw.url, seconds=3.0))
        await asyncio.sleep(1.5)
        gw.proc.send_signal(signal.SIGKILL)
        completed = await task
    finally:
        gw.stop()
    assert gw.proc.returncode == -signal.SIGKILL
    assert len(completed) > 10
    journals = list((tmp_path / "audit" / "journal").rglob("j-*.log"))
    assert journals, "the killed process left its journal"
    before, _ = await stored(config)
    assert len(before) < len(completed), "the test must kill before the database had everything"

    again = serve(config, tmp_path)  # start-up replays the dead process's journal
    try:
        wait_ready(again.url)
    finally:
        again.stop()
    rids, verdict = await stored(config)
    missing = set(completed) - set(rids)
    assert not missing, f"{len(missing)} completed responses have no record"
    assert len(rids) == len(set(rids)), "a record was replayed twice"
    assert verdict.ok, verdict.summary()
    assert not list((tmp_path / "audit" / "journal").rglob("j-*.log"))


async def test_graceful_stop_commits_everything(db_url: str, tmp_path: Path) -> None:
    config = write_config(tmp_path, db_url, flush_interval=30.0, checkpoint_seconds=3600)
    gw = serve(config, tmp_path)
    try:
        wait_ready(gw.url)
        completed = await load(gw.url, seconds=0.5, concurrency=4)
    finally:
        gw.stop()  # SIGTERM
    assert gw.proc.returncode == 0
    rids, verdict = await stored(config)
    assert set(completed) <= set(rids) and verdict.ok
    assert verdict.checkpoints >= 1 and not list((tmp_path / "audit" / "journal").rglob("j-*.log"))


async def test_replicas_share_one_ordered_chain(pg_url: str, tmp_path: Path) -> None:
    """Three gateway processes on one PostgreSQL database, under load at once: one gap-free chain (the
    advisory lock serialises their group commits), every completed response recorded once, one config
    record although each process announced the config it started with."""
    config = write_config(tmp_path, pg_url, flush_interval=0.01, batch_max=5, checkpoint_every=20)
    replicas = [serve(config, tmp_path) for _ in range(3)]
    try:
        for r in replicas:
            wait_ready(r.url, timeout=30)
        results = await asyncio.gather(*(load(r.url, seconds=2.0, concurrency=6) for r in replicas))
    finally:
        for r in replicas:
            r.stop()
    completed = [rid for batch in results for rid in batch]
    rids, verdict = await stored(config)
    assert verdict.ok, verdict.summary()
    assert set(completed) <= set(rids) and len(rids) == len(set(rids))
    config_obj = load_config(config)
    storage = open_storage(config_obj.database_url)
    await storage.open()
    try:
        async with storage.read() as conn:
            rows = list(await conn.execute(sa.select(records.c.seq, records.c.kind).order_by(records.c.seq)))
    finally:
        await storage.close()
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
    assert [r.kind for r in rows].count("config") == 1
