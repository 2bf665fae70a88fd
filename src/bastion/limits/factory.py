"""Builds the limiter for a config: the Redis backend when `redis_url` is set, else in process."""

from __future__ import annotations

import logging

from bastion.config.schema import Config
from bastion.cost.prices import PriceTable
from bastion.limits.backend import Backend
from bastion.limits.limiter import Limiter
from bastion.limits.memory import MemoryBackend
from bastion.routing.router import Router as ModelTable

log = logging.getLogger("bastion.limits")


def build_backend(config: Config) -> Backend:
    settings = config.limits
    if config.redis_url:
        from bastion.limits.redis_backend import RedisBackend

        return RedisBackend(
            config.redis_url,
            timeout=settings.redis_timeout,
            slot_ttl=settings.inflight_ttl,
            pool_size=settings.redis_pool_size,
        )
    return MemoryBackend(settings.inflight_ttl)


def build_limiter(config: Config, models: ModelTable) -> Limiter:
    if config.server.workers > 1 and not config.redis_url:
        log.warning(
            "%d workers without redis_url: rate limits and budgets are kept per worker (set redis_url "
            "to share them)",
            config.server.workers,
        )
    return Limiter(config.limits, build_backend(config), PriceTable.shipped(), models)
