"""`Identity`: one gateway worker's view of teams and keys — the key cache, the background task that
keeps it fresh (`sync.py`) and flushes `last_used_at`, and the admin operations wired to both."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

import sqlalchemy as sa

from bastion.config.schema import IdentitySettings
from bastion.identity.cache import KeyCache, build_entries
from bastion.identity.service import IDENTITY, IdentityAdmin
from bastion.identity.sync import RedisChannel
from bastion.storage import Storage
from bastion.storage.polling import poll_forever, stop_tasks
from bastion.storage.schema import cache_versions

log = logging.getLogger("bastion.identity")


class Identity:
    def __init__(self, storage: Storage, settings: IdentitySettings, redis_url: str | None = None) -> None:
        self.storage = storage
        self.settings = settings
        self.cache = KeyCache()
        self.admin = IdentityAdmin(storage, self._changed)
        self.redis = RedisChannel(redis_url) if redis_url else None
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
        self._tasks: list[asyncio.Task[None]] = []
        self.reloads = 0

    @property
    def poll_interval(self) -> float:
        return self.settings.redis_poll_interval if self.redis else self.settings.poll_interval

    async def start(self) -> None:
        await self.refresh(force=True)
        self._tasks.append(asyncio.create_task(self._loop(), name="identity-refresh"))
        if self.redis is not None:
            self._tasks.append(asyncio.create_task(self.redis.listen(self._wake), name="identity-redis"))

    async def stop(self) -> None:
        await stop_tasks(self._tasks)
        with contextlib.suppress(Exception):
            await self.flush_used()
        if self.redis is not None:
            await self.redis.close()

    async def refresh(self, force: bool = False) -> bool:
        """Reload the cache when the identity version moved; True when it did."""
        async with self._lock:
            async with self.storage.read() as conn:
                q = sa.select(cache_versions.c.version).where(cache_versions.c.name == IDENTITY)
                version = int(await conn.scalar(q) or 0)
                if not force and version == self.cache.version:
                    return False
                teams = {t.id: t for t in await self.storage.teams.all(conn)}
                keys = await self.storage.keys.all(conn, include_revoked=False)
            self.cache.replace(build_entries(keys, teams), version)
            self.reloads += 1
            return True

    async def flush_used(self) -> None:
        used = self.cache.drain_used()
        if used:
            async with self.storage.write() as conn:
                await self.storage.keys.mark_used(conn, used.items())

    async def _changed(self, version: int) -> None:
        await self.refresh()
        if self.redis is not None:
            await self.redis.publish(version)

    async def _loop(self) -> None:
        next_flush = time.monotonic() + self.settings.last_used_flush

        async def tick() -> None:
            nonlocal next_flush
            await self.refresh()
            if time.monotonic() >= next_flush:
                next_flush = time.monotonic() + self.settings.last_used_flush
                await self.flush_used()

        await poll_forever(
            self._wake,
            lambda: self.poll_interval,
            tick,
            log,
            lambda exc: f"identity refresh failed (keeping the current cache): {exc}",
        )
