"""What one request asks of the limits backend (its checks) and what the backend answered."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

NANO = 1_000_000_000  # budgets are counted in integer nano-USD, so every backend adds exactly
MINUTE_MS = 60_000.0


@dataclass(frozen=True, slots=True)
class Rate:
    """A sliding-window limit: `limit` units per `period_ms`; this request costs `cost` units."""

    key: str
    limit: int
    cost: int
    label: str  # e.g. "key 'ci-bot' requests per minute"
    unit: str  # "requests" or "tokens"
    period_ms: float = MINUTE_MS


@dataclass(frozen=True, slots=True)
class Slot:
    key: str
    limit: int
    label: str


@dataclass(frozen=True, slots=True)
class Hold:
    """A budget reservation: `amount` nano-USD against `limit` in the period stored at `key`."""

    key: str
    limit: int
    soft: int | None
    amount: int
    expire_s: int  # 0: never (total budgets)
    label: str  # e.g. "team 'search' daily budget of $100.00"


@dataclass(slots=True)
class Plan:
    request_id: str
    rates: list[Rate] = field(default_factory=list)
    slots: list[Slot] = field(default_factory=list)
    holds: list[Hold] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.rates or self.slots or self.holds)


@dataclass(frozen=True, slots=True)
class RateView:
    remaining: int
    reset_ms: float


@dataclass(frozen=True, slots=True)
class BudgetView:
    spent: int  # nano-USD settled in the period (before this request)
    reserved: int  # nano-USD held by requests in flight (before this request)


@dataclass(slots=True)
class Decision:
    allowed: bool
    denied: Rate | Slot | Hold | None = None
    retry_after_ms: float | None = None
    rates: list[RateView] = field(default_factory=list)  # one per plan.rates, same order
    budgets: list[BudgetView] = field(default_factory=list)  # one per plan.holds


def period_suffix(period: str, now: float | None = None) -> tuple[str, int]:
    """(key suffix, seconds to keep the counter) for a UTC calendar period."""
    if period == "total":
        return "total", 0
    dt = datetime.fromtimestamp(time.time() if now is None else now, UTC)
    if period == "day":
        return dt.strftime("d%Y%m%d"), 3 * 86400
    if period == "week":
        year, week, _ = dt.isocalendar()
        return f"w{year}{week:02d}", 15 * 86400
    return dt.strftime("m%Y%m"), 63 * 86400
