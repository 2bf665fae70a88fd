"""PostgreSQL backend (asyncpg, installed with the `postgres` extra)."""

from __future__ import annotations

from typing import Any

from bastion.errors import Unavailable


class PostgresStorage:
    def __init__(self, url: str) -> None:
        self.url = url.replace("postgresql+asyncpg://", "postgresql://")
        self._pool: Any = None

    async def open(self) -> None:
        try:
            import asyncpg
        except ImportError:
            raise Unavailable("database_url is postgresql:// but asyncpg is not installed") from None
        self._pool = await asyncpg.create_pool(self.url, min_size=1, max_size=4)

    async def ping(self) -> bool:
        if self._pool is None:
            return False
        try:
            async with self._pool.acquire() as conn:
                await conn.fetchval("SELECT 1")
        except Exception:
            return False
        return True

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None
