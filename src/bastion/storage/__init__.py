"""Storage backends, chosen by `database_url`: SQLite (embedded default) or PostgreSQL."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Protocol


class Storage(Protocol):
    async def open(self) -> None: ...

    async def ping(self) -> bool: ...

    async def close(self) -> None: ...


class SqliteStorage:
    def __init__(self, path: str) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None

    async def open(self) -> None:
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._conn = await asyncio.to_thread(sqlite3.connect, self.path, check_same_thread=False)
        await asyncio.to_thread(self._conn.execute, "PRAGMA journal_mode=WAL")

    async def ping(self) -> bool:
        if self._conn is None:
            return False
        try:
            await asyncio.to_thread(self._conn.execute, "SELECT 1")
        except sqlite3.Error:
            return False
        return True

    async def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def sqlite_path(url: str) -> str:
    """sqlite:///relative.db, sqlite:////abs/path.db, sqlite:///:memory:"""
    rest = url.split("://", 1)[1]
    return rest[1:] if rest.startswith("/") else rest


def open_storage(url: str) -> Storage:
    if url.startswith("sqlite://"):
        return SqliteStorage(sqlite_path(url))
    from bastion.storage.postgres import PostgresStorage

    return PostgresStorage(url)
