"""How every worker and replica learns that a team's data keys were destroyed (`bastion audit shred`), the
same way they learn of a revoked virtual key (`bastion.identity.sync`):

with redis_url:    the shredder publishes the new keys version on `bastion:audit-keys`; every worker is
                   subscribed and drops the team's cached keys at once (plus a slow version poll,
                   `identity.redis_poll_interval`, as a backstop for messages lost while Redis was away).
without Redis:     every worker polls the `audit_keys` row of `cache_versions` (one indexed read) every
                   `identity.poll_interval` seconds (0.5 s by default).

A worker that drops a team's keys can no longer encrypt or decrypt with them; its next record for the team
makes a new key. Keys it made before it heard of the shred are refused by the store (`DataKeys.sync`).
"""

from __future__ import annotations

import asyncio
import logging

from bastion.audit.content import DataKeys
from bastion.audit.store import AuditStore
from bastion.config.schema import IdentitySettings
from bastion.identity.sync import RedisChannel
from bastion.storage.polling import poll_forever, stop_tasks

log = logging.getLogger("bastion.audit")
CHANNEL = "bastion:audit-keys"


class KeySync:
    def __init__(
        self, store: AuditStore, keys: DataKeys, settings: IdentitySettings, redis_url: str | None = None
    ) -> None:
        self.store = store
        self.keys = keys
        self.settings = settings
        self.redis = RedisChannel(redis_url, CHANNEL) if redis_url else None
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def poll_interval(self) -> float:
        return self.settings.redis_poll_interval if self.redis else self.settings.poll_interval

    async def refresh(self, force: bool = False) -> None:
        """Re-read the data keys when the keys version moved."""
        if not force:
            async with self.store.storage.read() as conn:
                if await self.store.keys_version(conn) == self.keys.version:
                    return
        version, rows, shredded = await self.store.key_state()
        for team in self.keys.sync(version, rows, shredded):
            log.warning("audit: the data keys of team %r were destroyed; dropped them from this worker", team)

    async def announce(self, version: int) -> None:
        """Tell the other workers now (without Redis they find out at their next poll)."""
        if self.redis is not None:
            await self.redis.publish(version)

    async def start(self, watch: bool = True) -> None:
        """Load the keys; `watch`: keep them in step (not needed when no team keeps encrypted content)."""
        await self.refresh(force=True)
        if not watch:
            return
        self._tasks.append(asyncio.create_task(self._loop(), name="audit-keys-refresh"))
        if self.redis is not None:
            self._tasks.append(asyncio.create_task(self.redis.listen(self._wake), name="audit-keys-redis"))

    async def stop(self) -> None:
        await stop_tasks(self._tasks)
        if self.redis is not None:
            await self.redis.close()

    async def _loop(self) -> None:
        await poll_forever(
            self._wake,
            lambda: self.poll_interval,
            self.refresh,
            log,
            lambda exc: f"audit: data key refresh failed (retrying at the next poll): {exc}",
        )
