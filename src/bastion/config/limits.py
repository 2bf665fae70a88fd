"""The `limits:` section (rate limits per model, estimates, Redis failure behaviour) and the two value
objects keys and teams carry through the admin API: `RateLimits` and `Budget`."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Period = Literal["day", "week", "month", "total"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RateLimits(_Strict):
    """Absent (None) fields are not limited."""

    rpm: int | None = Field(None, ge=1, description="requests per minute")
    tpm: int | None = Field(None, ge=1, description="tokens per minute (estimated at admission, settled)")
    concurrency: int | None = Field(None, ge=1, description="requests in flight at once")

    @property
    def empty(self) -> bool:
        return self.rpm is None and self.tpm is None and self.concurrency is None


class Budget(_Strict):
    """A spend limit in USD per UTC calendar day, ISO week, calendar month, or in total. Crossing
    `soft_usd` flags the request in the audit record; `usd` is the hard limit (402)."""

    usd: float = Field(gt=0)
    period: Period = "month"
    soft_usd: float | None = Field(None, gt=0, description="flag in audit once spend passes this")

    @model_validator(mode="after")
    def _soft_below_hard(self) -> Budget:
        if self.soft_usd is not None and self.soft_usd > self.usd:
            raise ValueError("soft_usd must not be above usd")
        return self


class OnRedisError(_Strict):
    """What admission does when Redis cannot be reached: `open` admits (unchecked), `closed` refuses
    (503). Either way the request is annotated and `limits_backend_errors` counts it."""

    rate_limits: Literal["open", "closed"] = "open"
    budgets: Literal["open", "closed"] = "closed"


class LimitsConfig(_Strict):
    enabled: bool = True
    models: dict[str, RateLimits] = Field(
        default_factory=dict, description="per model name (as clients send it), across all callers"
    )
    default_max_tokens: int = Field(
        4096, ge=1, description="output tokens assumed at admission when a request sets no max_tokens"
    )
    chars_per_token: float = Field(3.0, gt=0, description="prompt estimate at admission")
    inflight_ttl: float = Field(
        900.0,
        gt=0,
        description="seconds after which a concurrency slot or budget reservation of a vanished worker "
        "is freed (Redis backend)",
    )
    on_redis_error: OnRedisError = Field(default_factory=OnRedisError)
    redis_timeout: float = Field(1.0, gt=0, description="seconds before a Redis call counts as failed")
    redis_pool_size: int = Field(32, ge=1, description="Redis connections per worker for limits")
    headers: bool = Field(True, description="send x-ratelimit-* headers")


def stored_limits(raw: object) -> RateLimits | None:
    """The limits stored on a key or team (JSON), or None when absent or empty."""
    if not isinstance(raw, dict):
        return None
    limits = RateLimits.model_validate(raw)
    return None if limits.empty else limits


def stored_budget(raw: object) -> Budget | None:
    return Budget.model_validate(raw) if isinstance(raw, dict) else None
