"""How every worker and replica learns of an identity change within a second.

with redis_url:    the writer publishes the new version on `bastion:identity`; every worker is
                   subscribed and reloads at once (plus a slow version poll as a backstop for
                   messages lost while Redis was unreachable).
without Redis:     every worker polls the `cache_versions` row (one indexed read) every
                   `identity.poll_interval` seconds (0.5 s by default) and reloads when it moved.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

log = logging.getLogger("bastion.identity")
CHANNEL = "bastion:identity"


class RedisChannel:
    """Publish and subscribe to identity changes. Failures are logged, never raised: the database has the
    change already and the version poll picks it up."""

    def __init__(self, url: str, channel: str = CHANNEL) -> None:
        self.url = url
        self.channel = channel  # e.g. "bastion:policy" (bastion.policy.runtime)
        self._client: Any = None

    def _connect(self) -> Any:
        import redis.asyncio as aioredis

        return aioredis.from_url(self.url, socket_connect_timeout=2, socket_timeout=2)

    async def publish(self, version: int) -> None:
        try:
            if self._client is None:
                self._client = self._connect()
            await self._client.publish(self.channel, str(version))
        except Exception as exc:
            log.warning("could not publish identity change to Redis: %s", exc)

    async def listen(self, wake: asyncio.Event) -> None:
        """Runs until cancelled: sets `wake` on every message (and after each (re)connect)."""
        import redis.asyncio as aioredis

        backoff = 0.5
        while True:
            client = aioredis.from_url(self.url, socket_connect_timeout=2)
            pubsub = client.pubsub()
            try:
                await pubsub.subscribe(self.channel)
                wake.set()  # anything published while we were away
                backoff = 0.5
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        wake.set()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("Redis subscription to %s lost (%s); retrying in %.1fs", self.channel, exc,
                            backoff)  # fmt: skip
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)
            finally:
                await asyncio.shield(_close(pubsub, client))

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


async def _close(pubsub: Any, client: Any) -> None:
    try:
        await pubsub.aclose()
        await client.aclose()
    except Exception:
        pass
