"""Privacy: pseudonymised users in storage (keyed hash: stable per key, different across keys, the CLI
recomputes one for an authorised lookup), and retention deleting old days, on SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bastion.config import parse_config
from bastion.shadow.events import Event
from bastion.shadow.runtime import DAY, ShadowRuntime
from bastion.storage import Storage, open_storage
from harness import ADMIN_KEY, BASTION, fresh_pg_database

KEY = "pseudonym-key-for-tests-0123456789"


def config(db: str, **shadow: object) -> object:
    return parse_config({"admin_key": ADMIN_KEY, "database_url": db, "shadow": shadow}, env={})


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/shadow.db"
        return
    with fresh_pg_database("shadowpriv") as url:
        yield url


async def rows(storage: Storage) -> list[tuple[object, ...]]:
    from bastion.shadow.schema import daily

    async with storage.read() as conn:
        return [tuple(r) for r in (await conn.execute(daily.select().order_by(daily.c.day)))]


async def test_pseudonymised_users_and_retention(db_url: str) -> None:
    cfg = config(db_url, pseudonymize_users=True, pseudonym_key=KEY, retention_days=30)
    storage = open_storage(db_url)
    await storage.open()
    try:
        runtime = ShadowRuntime(cfg, storage)  # type: ignore[arg-type]
        now = time.time()
        runtime.ingest(Event(now, "alice@example.com", "chatgpt.com", "", 10))
        runtime.ingest(Event(now, "Alice@Example.com ", "claude.ai", "", 5))  # the same person
        runtime.ingest(Event(now - 45 * DAY, "bob@example.com", "chatgpt.com", "", 1))  # past retention
        await runtime.flush()
        stored = await rows(storage)
        assert len(stored) == 3
        users = {r[2] for r in stored}
        assert all(u.startswith("u-") and len(u) == 22 for u in users)  # type: ignore[union-attr]
        assert not any("example.com" in repr(r) for r in stored)
        alice = runtime.users("alice@example.com")
        assert {r[1] for r in stored if r[2] == alice} == {"chatgpt", "claude"}
        assert await runtime.prune() == 1
        assert {r[2] for r in await rows(storage)} == {alice}
    finally:
        await storage.close()


def test_pseudonym_lookup_needs_the_key(tmp_path: Path) -> None:
    on = tmp_path / "on.yaml"
    on.write_text(f"admin_key: {ADMIN_KEY}\nshadow: {{pseudonymize_users: true, pseudonym_key: {KEY}}}\n")
    out = subprocess.run([BASTION, "shadow", "pseudonym", "--config", str(on), "alice@example.com"],
                         capture_output=True, text=True, timeout=60, check=True).stdout  # fmt: skip
    from bastion.shadow.users import Users

    assert out.strip() == f"alice@example.com\t{Users(KEY)('alice@example.com')}"
    assert Users(KEY)("alice@example.com") != Users(KEY + "x")("alice@example.com")
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"admin_key: {ADMIN_KEY}\nshadow: {{pseudonymize_users: true}}\n")
    proc = subprocess.run([BASTION, "check-config", str(bad)], capture_output=True, text=True, check=False)
    assert proc.returncode == 2 and "pseudonym_key" in proc.stderr
