"""Where cached answers live: `MemoryStore` (one worker; least recently used dropped beyond
`max_entries`) or `RedisStore` (shared; Redis expires entries). Values are opaque bytes with a TTL."""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from typing import Any, Protocol

log = logging.getLogger("bastion.cache")
PREFIX = "bastion:cache:"


class Store(Protocol):
    name: str

    async def get(self, key: str) -> bytes | None: ...

    async def put(self, key: str, value: bytes, ttl: float) -> None: ...

    async def close(self) -> None: ...


class MemoryStore:
    name = "memory"

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()

    async def get(self, key: str) -> bytes | None:
        found = self._entries.get(key)
        if found is None:
            return None
        if found[0] <= time.monotonic():
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return found[1]

    async def put(self, key: str, value: bytes, ttl: float) -> None:
        self._entries[key] = (time.monotonic() + ttl, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    async def close(self) -> None:
        self._entries.clear()


class RedisStore:
    """Failures are logged and treated as misses: the cache never fails a request."""

    name = "redis"

    def __init__(self, url: str, timeout: float) -> None:
        import redis.asyncio as aioredis

        self._client: Any = aioredis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
        self.errors = 0

    async def get(self, key: str) -> bytes | None:
        try:
            value = await self._client.get(PREFIX + key)
        except Exception as exc:
            self.errors += 1
            log.warning("response cache: Redis read failed (treated as a miss): %s", exc)
            return None
        return bytes(value) if value is not None else None

    async def put(self, key: str, value: bytes, ttl: float) -> None:
        try:
            await self._client.set(PREFIX + key, value, px=int(ttl * 1000))
        except Exception as exc:
            self.errors += 1
            log.warning("response cache: Redis write failed: %s", exc)

    async def close(self) -> None:
        await self._client.aclose()
