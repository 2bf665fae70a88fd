"""Cache version counters: every change to a cached entity set bumps its counter in the same transaction."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bastion.storage.schema import cache_versions


async def bump(conn: AsyncConnection, name: str) -> int:
    result = await conn.execute(
        sa.update(cache_versions)
        .where(cache_versions.c.name == name)
        .values(version=cache_versions.c.version + 1)
        .returning(cache_versions.c.version)
    )
    row = result.first()
    if row is not None:
        return int(row[0])
    await conn.execute(sa.insert(cache_versions).values(name=name, version=1))
    return 1


async def current(engine: AsyncEngine, name: str) -> int:
    async with engine.connect() as conn:
        value = await conn.scalar(sa.select(cache_versions.c.version).where(cache_versions.c.name == name))
    return int(value or 0)
