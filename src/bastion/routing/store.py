"""Where the adaptive learner's state lives between restarts: the gateway database (table
`routing_learner`, migration routing_0001) or Redis (hash `bastion:routing:learner`). Loaded at start-up,
written every `flush_seconds` (only what changed) and at shutdown - never on the request path.

Several workers each learn from their own traffic and write what they learned; the last write of a row
wins, and every worker starts from the stored state.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any, Protocol

import orjson
import sqlalchemy as sa
from redis.typing import EncodableT, FieldT

from bastion.routing.bandit import Learner
from bastion.storage import Storage

log = logging.getLogger("bastion.routing")
Row = tuple[str, str, str, dict[str, Any]]
REDIS_KEY = "bastion:routing:learner"
_SEP = "\x1f"

metadata = sa.MetaData()
routing_learner = sa.Table(
    "routing_learner",
    metadata,
    sa.Column("group_name", sa.String(200), primary_key=True),
    sa.Column("context", sa.String(200), primary_key=True),
    sa.Column("target", sa.String(400), primary_key=True),
    sa.Column("data", sa.JSON, nullable=False),
    sa.Column("updated_at", sa.Double, nullable=False),
)


class Store(Protocol):
    async def load(self) -> list[Row]: ...
    async def save(self, rows: list[Row]) -> None: ...
    async def close(self) -> None: ...


class DatabaseStore:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    async def load(self) -> list[Row]:
        async with self.storage.read() as conn:
            result = await conn.execute(sa.select(routing_learner))
            return [(r.group_name, r.context, r.target, dict(r.data)) for r in result]

    async def save(self, rows: list[Row]) -> None:
        if not rows:
            return
        if self.storage.backend == "sqlite":
            from sqlalchemy.dialects.sqlite import insert
        else:
            from sqlalchemy.dialects.postgresql import insert  # type: ignore[assignment]
        now = time.time()
        values = [
            {"group_name": g, "context": c, "target": t, "data": d, "updated_at": now} for g, c, t, d in rows
        ]
        stmt = insert(routing_learner).values(values)
        stmt = stmt.on_conflict_do_update(
            index_elements=["group_name", "context", "target"],
            set_={"data": stmt.excluded.data, "updated_at": stmt.excluded.updated_at},
        )
        async with self.storage.write() as conn:
            await conn.execute(stmt)

    async def close(self) -> None:
        return None


class RedisStore:
    def __init__(self, url: str) -> None:
        import redis.asyncio as aioredis

        self.client = aioredis.from_url(url, socket_connect_timeout=2, socket_timeout=2)

    async def load(self) -> list[Row]:
        raw = await self.client.hgetall(REDIS_KEY)
        rows = []
        for field, value in raw.items():
            parts = (field.decode() if isinstance(field, bytes) else field).split(_SEP)
            if len(parts) == 3:
                rows.append((parts[0], parts[1], parts[2], orjson.loads(value)))
        return rows

    async def save(self, rows: list[Row]) -> None:
        if rows:
            mapping: dict[FieldT, EncodableT] = {
                _SEP.join((g, c, t)): orjson.dumps(d) for g, c, t, d in rows
            }
            await self.client.hset(REDIS_KEY, mapping=mapping)

    async def close(self) -> None:
        await self.client.aclose()


class Persistence:
    """Loads the learner at start, flushes what changed every `interval` seconds and at stop."""

    def __init__(self, learner: Learner, store: Store, interval: float) -> None:
        self.learner = learner
        self.store = store
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        try:
            loaded = self.learner.load(await self.store.load())
            log.info("routing: loaded %d learned rows", loaded)
        except Exception:
            log.exception("routing: could not load the adaptive strategy's state; starting fresh")
        self._task = asyncio.create_task(self._loop(), name="routing-learner-flush")

    async def flush(self) -> None:
        rows = self.learner.take_dirty()
        if not rows:
            return
        try:
            await self.store.save(rows)
        except Exception:
            log.exception("routing: could not save the adaptive strategy's state")
            self.learner.dirty.update((g, c, t) for g, c, t, _ in rows)

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            await self.flush()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.flush()
        await self.store.close()
