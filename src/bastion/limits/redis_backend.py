"""The Redis backend: limits and budgets shared by every worker and replica, over a bounded connection
pool with a short timeout.

One round trip per request: `admit` is one EVALSHA (`scripts.SCRIPT`) that also carries the settlements
queued since the worker's previous call; `settle` only queues, and a settlement that no admission picks
up within `flush_delay` seconds is flushed on its own. So state other workers see lags a request's end by
at most `flush_delay` (slots and reservations held a little longer: the safe side). After `trip_after`
failures in a row Redis is not tried for `cooldown` seconds, so an outage costs no latency
(`BackendError` at once); queued settlements are kept (up to `max_queued`) and sent when it is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from bastion.limits.backend import BackendError
from bastion.limits.plan import BudgetView, Decision, Hold, Plan, Rate, RateView, Slot
from bastion.limits.scripts import SCRIPT

PREFIX = "bastion:lim:"
log = logging.getLogger("bastion.limits")
Block = tuple[list[str], list[Any]]  # the keys and arguments of one settlement


def _keys(plan: Plan) -> list[str]:
    keys = [PREFIX + r.key + part for r in plan.rates for part in (":z", ":w", ":s")]
    keys += [PREFIX + c.key for c in plan.slots]
    keys += [PREFIX + h.key + part for h in plan.holds for part in ("", ":rz", ":ra")]
    return keys


class RedisBackend:
    name = "redis"

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 1.0,
        slot_ttl: float = 900.0,
        pool_size: int = 32,
        cooldown: float = 1.0,
        trip_after: int = 3,
        flush_delay: float = 0.05,
        max_queued: int = 100_000,
    ) -> None:
        import redis.asyncio as aioredis

        # a bounded pool: a burst waits for a free connection instead of opening hundreds at once
        pool = aioredis.BlockingConnectionPool.from_url(
            url,
            max_connections=pool_size,
            timeout=max(timeout * 10, 5.0),  # waiting for a free connection is local queueing, not an outage
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            health_check_interval=0,
        )
        self._client: Any = aioredis.Redis(connection_pool=pool)
        self._script = self._client.register_script(SCRIPT)
        self.slot_ttl_ms = slot_ttl * 1000.0
        self.cooldown = cooldown
        self.trip_after = trip_after
        self.flush_delay = flush_delay
        self.max_queued = max_queued
        self._failures = 0  # consecutive
        self._down_until = 0.0
        self._queued: list[Block] = []
        self._flusher: asyncio.Task[None] | None = None
        self.dropped = 0  # settlements dropped during a long outage (their holds expire by TTL)

    async def _run(self, keys: list[str], args: list[Any]) -> Any:
        if time.monotonic() < self._down_until:
            raise BackendError("Redis unreachable (retrying shortly)")
        try:
            out = await self._script(keys=keys, args=args)
        except Exception as exc:  # redis.exceptions.*, OSError, timeouts: all mean "no answer"
            self._failures += 1
            if self._failures >= self.trip_after:  # an outage, not a blip: stop waiting on it for a while
                self._down_until = time.monotonic() + self.cooldown
            raise BackendError(f"Redis unreachable: {type(exc).__name__}: {exc}") from exc
        self._failures = 0
        return out

    def _take_queued(self) -> tuple[list[Block], list[str], list[Any]]:
        blocks, self._queued = self._queued, []
        keys: list[str] = []
        args: list[Any] = [len(blocks)]
        for k, a in blocks:
            keys += k
            args += a
        return blocks, keys, args

    def _requeue(self, blocks: list[Block]) -> None:
        self._queued[:0] = blocks
        excess = len(self._queued) - self.max_queued
        if excess > 0:
            del self._queued[:excess]
            self.dropped += excess

    async def admit(self, plan: Plan) -> Decision:
        blocks, keys, args = self._take_queued()
        args += [1, plan.request_id, len(plan.rates), len(plan.slots), len(plan.holds), self.slot_ttl_ms]
        for r in plan.rates:
            args += [r.limit, r.period_ms, r.cost]
        for s in plan.slots:
            args.append(s.limit)
        for h in plan.holds:
            args += [h.limit, h.amount, h.expire_s]
        try:
            raw = await self._run(keys + _keys(plan), args)
        except BackendError:
            self._requeue(blocks)
            raise
        out = [int(v) for v in raw]
        decision = Decision(out[0] == 1)
        i = 3
        for _ in plan.rates:
            decision.rates.append(RateView(out[i], float(out[i + 1])))
            i += 2
        for _ in plan.holds:
            decision.budgets.append(BudgetView(out[i], out[i + 1]))
            i += 2
        if not decision.allowed:
            checks: list[Rate | Slot | Hold] = [*plan.rates, *plan.slots, *plan.holds]
            decision.denied = checks[out[1]]
            decision.retry_after_ms = None if out[2] < 0 else float(out[2])
        return decision

    async def settle(self, plan: Plan, token_deltas: list[int], spent: list[int]) -> None:
        args: list[Any] = [plan.request_id, len(plan.rates), len(plan.slots), len(plan.holds), *token_deltas]
        for h, cost in zip(plan.holds, spent, strict=True):
            args += [cost, h.expire_s]
        self._queued.append((_keys(plan), args))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_later(), name="limits-settle")

    async def _flush_later(self) -> None:
        await asyncio.sleep(self.flush_delay)
        while self._queued:
            try:
                await self.flush()
            except BackendError as exc:
                log.warning("could not settle %d request(s) yet: %s", len(self._queued), exc)
                await asyncio.sleep(max(self.cooldown, self.flush_delay))

    async def flush(self) -> None:
        """Send the queued settlements now (raises BackendError; they stay queued)."""
        if not self._queued:
            return
        blocks, keys, args = self._take_queued()
        try:
            await self._run(keys, [*args, 0])
        except BackendError:
            self._requeue(blocks)
            raise

    async def close(self) -> None:
        if self._flusher is not None:
            self._flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flusher
        with contextlib.suppress(BackendError):
            await self.flush()
        await self._client.aclose()
