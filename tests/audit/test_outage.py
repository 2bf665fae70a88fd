"""A database outage with a bounded journal, on a real `bastion serve` process: requests keep being served
(their records wait in the journal) until `audit.journal_max_bytes` is reached; then new requests get a
503 in the provider's error shape (`audit_unavailable`) and /readyz says why; when the database is back the
backlog is written and the gateway serves again by itself. Nothing journalled is lost, nothing refused is
recorded as served, and one `gap` record counts the refused requests.

Outages: PostgreSQL stops accepting connections to the database (and its sessions are terminated);
SQLite's write lock is held by another process."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import sqlalchemy as sa

from audit.test_crash import serve, stored, write_config
from bastion.audit.schema import records
from bastion.config import load_config
from bastion.storage import open_storage
from harness import PG_SERVER, auth, wait_ready

CAP = 16 * 1024  # a few records' worth


@contextlib.contextmanager
def outage(db_url: str) -> Iterator[None]:
    if db_url.startswith("sqlite"):
        lock = sqlite3.connect(db_url.removeprefix("sqlite:///"), isolation_level=None)
        lock.execute("BEGIN EXCLUSIVE")  # every writer now waits, then fails
        try:
            yield
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        return
    name = db_url.rsplit("/", 1)[1]
    terminate = f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
    asyncio.run(_pg(f"ALTER DATABASE {name} ALLOW_CONNECTIONS false", terminate))
    try:
        yield
    finally:
        asyncio.run(_pg(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true"))


async def _pg(*sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_SERVER + "/test", timeout=5)
    try:
        for statement in sql:
            await conn.execute(statement)
    finally:
        await conn.close()


def chat(url: str, rid: str) -> httpx.Response:
    body = {"model": "demo-echo", "messages": [{"role": "user", "content": "x" * 300}]}
    return httpx.post(url + "/v1/chat/completions", json=body, headers={**auth(), "x-request-id": rid},
                      timeout=30)  # fmt: skip


async def _kinds(config: Path) -> list[dict[str, Any]]:
    cfg = load_config(config)
    storage = open_storage(cfg.database_url)
    await storage.open()
    try:
        async with storage.read() as conn:
            q = sa.select(records.c.payload).where(records.c.kind == "gap").order_by(records.c.seq)
            return [orjson.loads(p) for p in await conn.scalars(q)]
    finally:
        await storage.close()


def run_outage(db_url: str, tmp_path: Path, mode: str) -> tuple[list[str], list[str], list[str], Path]:
    """(rids served before the outage, rids served during it, rids refused or served unrecorded, config)."""
    config = write_config(tmp_path, db_url, journal_max_bytes=CAP, journal_full=mode)
    gw = serve(config, tmp_path)
    before, during, turned_away = [], [], []
    try:
        wait_ready(gw.url)
        for i in range(3):
            assert chat(gw.url, f"pre-{i}").status_code == 200
            before.append(f"pre-{i}")
        time.sleep(0.3)  # committed
        with outage(db_url):
            for i in range(300):
                rid = f"out-{i}-{os.urandom(2).hex()}"
                r = chat(gw.url, rid)
                if mode == "reject" and r.status_code == 503:
                    err = r.json()["error"]
                    assert err["code"] == "audit_unavailable" and err["type"] == "service_unavailable"
                    assert r.headers["retry-after"]
                    turned_away.append(rid)
                elif mode == "serve" and r.headers.get("x-bastion-audit") == "unrecorded":
                    assert r.status_code == 200, r.text
                    turned_away.append(rid)
                else:
                    assert r.status_code == 200, r.text
                    assert not turned_away, "the gate reopened while the database was still down"
                    during.append(rid)
                if len(turned_away) >= 3:
                    break
            ready = httpx.get(gw.url + "/readyz", timeout=30)
            audit = ready.json()["audit"]
            assert audit["full"] and audit["backlog_bytes"] >= CAP
            assert audit["backlog_bytes"] < CAP + 4 * 1024, "at most the records of requests in flight"
            if mode == "reject":
                assert ready.status_code == 503
        assert during and len(turned_away) >= 3
        deadline = time.monotonic() + 60  # the database is back: the gateway recovers by itself
        while (r := chat(gw.url, f"post-{os.urandom(2).hex()}")).status_code != 200:
            assert time.monotonic() < deadline, r.text
            time.sleep(0.2)
        while not httpx.get(gw.url + "/readyz", timeout=30).json()["audit"]["backlog_bytes"] < CAP:
            assert time.monotonic() < deadline
            time.sleep(0.2)
        wait_ready(gw.url)
    finally:
        gw.stop()
    assert "audit.journal_max_bytes" in gw.stderr and "accepting requests again" in gw.stderr  # logged
    return before, during, turned_away, config


def _check(config: Path, before: list[str], during: list[str], turned_away: list[str], mode: str) -> None:
    rids, verdict = asyncio.run(stored(config))
    assert verdict.ok, verdict.summary()
    assert set(before) | set(during) <= set(rids), "a record journalled during the outage was lost"
    assert not set(turned_away) & set(rids)
    assert len(rids) == len(set(rids))
    (gap,) = asyncio.run(_kinds(config))
    assert gap["mode"] == mode and gap["requests"] >= len(turned_away) and gap["ts_end"] >= gap["ts_start"]


def test_outage_fills_the_journal_then_fails_closed_and_recovers(db_url: str, tmp_path: Path) -> None:
    before, during, refused, config = run_outage(db_url, tmp_path, "reject")
    _check(config, before, during, refused, "reject")


def test_outage_with_journal_full_serve_keeps_serving_unrecorded(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path}/serve.db"
    before, during, unrecorded, config = run_outage(db_url, tmp_path, "serve")
    _check(config, before, during, unrecorded, "serve")
