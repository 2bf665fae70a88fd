"""Async SQLAlchemy engines for the two backends, chosen by `database_url`.

    sqlite:///relative.db, sqlite:////abs/path.db   -> sqlite+aiosqlite (WAL, busy timeout, FKs on)
    postgresql://user@host:port/db (or postgres://)  -> postgresql+asyncpg

SQLite write transactions start with `BEGIN IMMEDIATE` (see `write()`), so two processes writing the same
file wait on the busy timeout instead of failing on a lock upgrade; reads stay deferred.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

_WRITE = "bastion_write"


def sqlite_path(url: str) -> str:
    """sqlite:///relative.db, sqlite:////abs/path.db, sqlite:///:memory:"""
    rest = url.split("://", 1)[1]
    return rest[1:] if rest.startswith("/") else rest


def backend(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


def async_url(url: str) -> str:
    if url.startswith("sqlite"):
        return "sqlite+aiosqlite:///" + sqlite_path(url)
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    raise ValueError("database_url must be sqlite:///PATH or postgresql://USER@HOST/DB")


def _sqlite_hooks(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (below)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA busy_timeout=10000")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(_WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def create_engine(url: str) -> AsyncEngine:
    target = async_url(url)
    if backend(url) == "sqlite":
        kw: dict[str, Any] = {}
        if sqlite_path(url) == ":memory:":
            kw = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
        engine = create_async_engine(target, **kw)
        _sqlite_hooks(engine)
        return engine
    return create_async_engine(target, pool_size=5, max_overflow=5, pool_pre_ping=True, pool_recycle=1800)


@asynccontextmanager
async def write(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A write transaction: committed on success, rolled back on error."""
    async with engine.connect() as conn:
        await conn.execution_options(**{_WRITE: True})
        async with conn.begin():
            yield conn


@asynccontextmanager
async def read(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    async with engine.connect() as conn:
        yield conn
