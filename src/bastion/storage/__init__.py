"""The storage layer every feature shares: SQLite by default, PostgreSQL when `database_url` is
postgresql://. SQLAlchemy Core on async engines (aiosqlite, asyncpg); the schema is built by Alembic
migrations shipped in `migrations/` and run by `open()`.

    storage = open_storage(config.database_url)
    await storage.open()                      # connect + migrate to head
    async with storage.write() as conn:       # one transaction
        await storage.keys.insert(conn, record)
        await versions.bump(conn, "identity")

Nothing on the per-request path awaits the database: features load what they need into process
memory and refresh it when the version counters (`versions.py`) move.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bastion.errors import Unavailable
from bastion.storage import engine as _engine
from bastion.storage.engine import sqlite_path
from bastion.storage.keys import KeyStore
from bastion.storage.migrate import migrate
from bastion.storage.teams import TeamStore

__all__ = ["Storage", "open_storage", "sqlite_path"]


class Storage:
    def __init__(self, url: str) -> None:
        _engine.async_url(url)  # fail early on an unsupported URL
        self.url = url
        self.backend = _engine.backend(url)
        self.teams = TeamStore()
        self.keys = KeyStore()
        self._engine: AsyncEngine | None = None
        self.revision: str | None = None

    @property
    def engine(self) -> AsyncEngine:
        if self._engine is None:
            raise Unavailable("storage is not open")
        return self._engine

    async def open(self) -> None:
        if self._engine is not None:
            return
        if self.backend == "sqlite":
            path = sqlite_path(self.url)
            if path != ":memory:":
                from pathlib import Path

                Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = _engine.create_engine(self.url)
        try:
            self.revision = await migrate(engine)
        except BaseException:
            await engine.dispose()
            raise
        self._engine = engine

    async def ping(self) -> bool:
        if self._engine is None:
            return False
        try:
            async with self._engine.connect() as conn:
                await conn.execute(sa.text("SELECT 1"))
        except Exception:
            return False
        return True

    async def close(self) -> None:
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        async with _engine.write(self.engine) as conn:
            yield conn

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        async with _engine.read(self.engine) as conn:
            yield conn


def open_storage(url: str) -> Storage:
    """The storage for a database URL (not yet connected: call `await storage.open()`)."""
    return Storage(url)
