"""When to try again: which failures are retryable, how long to wait (exponential backoff with jitter, or
the provider's Retry-After), and the retry budget that caps amplification across all requests."""

from __future__ import annotations

import random
import time
from email.utils import parsedate_to_datetime

from bastion.config.routing import Backoff, RetryBudget
from bastion.errors import BadGateway, GatewayError, GatewayTimeout, Unavailable, UpstreamError

RETRY, RATE_LIMITED, FATAL = "retry", "rate-limited", "fatal"


def classify(err: GatewayError) -> str:
    """RETRY: the target failed (connection, timeout, 5xx, refused credentials) - another attempt may work.
    RATE_LIMITED: the target said 429 - honour its Retry-After. FATAL: the request itself was refused."""
    if isinstance(err, BadGateway | GatewayTimeout | Unavailable):
        return RETRY
    if isinstance(err, UpstreamError):
        if err.status_code == 429:
            return RATE_LIMITED
        if err.status_code == 408:
            return RETRY
    return FATAL


def retry_after(err: GatewayError) -> float | None:
    """The provider's Retry-After in seconds (delta-seconds or an HTTP date), if it sent one."""
    value = err.headers.get("retry-after") if err.headers else None
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def backoff_delay(settings: Backoff, retry: int, rng: random.Random) -> float:
    """Seconds to wait before retry number `retry` (1-based)."""
    cap = min(settings.max, settings.initial * settings.multiplier ** max(0, retry - 1))
    if settings.jitter == "full":
        return rng.uniform(0.0, cap)
    if settings.jitter == "equal":
        return cap / 2 + rng.uniform(0.0, cap / 2)
    return cap


class RetryBudgetMeter:
    """Sliding window of one-second buckets: retries allowed = ratio x requests + min_per_second x window."""

    __slots__ = ("_requests", "_retries", "_stamps", "denied", "settings", "size")

    def __init__(self, settings: RetryBudget) -> None:
        self.settings = settings
        self.size = max(1, int(settings.window + 0.999))
        self._stamps = [0] * self.size
        self._requests = [0] * self.size
        self._retries = [0] * self.size
        self.denied = 0

    def _slot(self, now: float) -> int:
        second = int(now)
        i = second % self.size
        if self._stamps[i] != second:
            self._stamps[i] = second
            self._requests[i] = 0
            self._retries[i] = 0
        return i

    def request(self, now: float | None = None) -> None:
        self._requests[self._slot(time.monotonic() if now is None else now)] += 1

    def try_retry(self, now: float | None = None) -> bool:
        """Take a retry token; False (and nothing taken) when the budget is spent."""
        now = time.monotonic() if now is None else now
        i = self._slot(now)
        oldest = int(now) - self.size
        requests = retries = 0
        for j in range(self.size):
            if self._stamps[j] > oldest:
                requests += self._requests[j]
                retries += self._retries[j]
        allowed = self.settings.ratio * requests + self.settings.min_per_second * self.size
        if retries + 1 > allowed:
            self.denied += 1
            return False
        self._retries[i] += 1
        return True
