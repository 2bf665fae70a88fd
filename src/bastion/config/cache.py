"""The `cache:` section: an exact-match response cache (off by default)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class CacheConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = False
    ttl: float = Field(300.0, gt=0, description="seconds an answer stays cached")
    backend: Literal["auto", "memory", "redis"] = Field(
        "auto", description="auto: Redis when redis_url is set, else in process"
    )
    max_entries: int = Field(10_000, ge=1, description="memory backend: least recently used are dropped")
    max_entry_bytes: int = Field(1_000_000, ge=1, description="larger answers are not cached")
    share_across_teams: bool = Field(False, description="one cache for everyone instead of one per team")
