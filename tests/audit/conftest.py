"""Audit fixtures: a database URL per backend (SQLite in tmp_path; PostgreSQL in a database created for
the test and dropped after), and an `Audit` wired to it."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bastion.audit import Audit
from bastion.config import Config, parse_config
from bastion.storage import Storage, open_storage
from harness import fresh_pg_database


@pytest.fixture
def pg_url() -> Iterator[str]:
    with fresh_pg_database("bastion_audit") as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/audit.db"
    return str(request.getfixturevalue("pg_url"))


def audit_config(db_url: str, tmp_path: Path, **audit: Any) -> Config:
    settings = {"dir": str(tmp_path / "audit"), "checkpoint_every": 10, **audit}
    return parse_config({"admin_key": "test-admin-key-0123456789", "database_url": db_url, "audit": settings},
                        env={})  # fmt: skip


@pytest_asyncio.fixture(loop_scope="session")
async def storage(db_url: str) -> AsyncIterator[Storage]:
    st = open_storage(db_url)
    await st.open()
    yield st
    await st.close()


def request_record(i: int, **extra: Any) -> dict[str, Any]:
    """A request record as `bastion.audit.record.request_record` builds it (the fields filters use)."""
    pii = {"EMAIL": {"pseudonymize": 1}} if i % 3 == 0 else None
    return {"id": os.urandom(16).hex(), "kind": "request", "request_id": f"req-{i}", "ts_start": 1.7e9 + i,
            "team": "t1" if i % 2 else "t2", "key_id": "k1", "model": "m", "provider": "p", "region": "eu",
            "status": 200, "decision": "allowed", "pii": pii, **extra}  # fmt: skip


async def filled(config: Config, storage: Storage, n: int) -> Audit:
    """An Audit whose chain holds the config record plus `n` request records, all committed."""
    audit = Audit(config, storage)
    await audit.start()
    for i in range(n):
        audit.writer.submit(request_record(i))
    await audit.stop()
    return audit
