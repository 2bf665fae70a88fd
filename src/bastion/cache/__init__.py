"""An exact-match response cache: the normalised request (after PII handling) + API + team scope ->
the answer in the client's format (a JSON body, or the events of a stream, replayed as a stream).
`keys.py` builds the key, `store.py` holds entries in process or in Redis; the pipeline side is
`bastion.pipeline.cache`."""

from __future__ import annotations

from bastion.cache.store import MemoryStore, RedisStore, Store
from bastion.config.schema import Config


def build_store(config: Config) -> Store:
    settings = config.cache
    use_redis = settings.backend == "redis" or (settings.backend == "auto" and config.redis_url)
    if use_redis:
        if not config.redis_url:
            raise ValueError("cache.backend is redis but redis_url is not set")
        return RedisStore(config.redis_url, config.limits.redis_timeout)
    return MemoryStore(settings.max_entries)
