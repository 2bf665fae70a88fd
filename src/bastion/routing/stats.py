"""Live statistics of one target: EWMAs of time to first byte and total latency, an EWMA error rate,
lifetime counters and the number of requests in flight. Updated in place, never allocated per request."""

from __future__ import annotations

ALPHA = 0.3  # weight of the newest latency sample
ERROR_ALPHA = 0.1  # weight of the newest outcome in the error rate


class TargetStats:
    __slots__ = (
        "error_rate",
        "failures",
        "in_flight",
        "last_error",
        "rate_limited",
        "requests",
        "total_ms",
        "ttfb_ms",
    )  # fmt: skip

    def __init__(self) -> None:
        self.ttfb_ms: float | None = None
        self.total_ms: float | None = None
        self.error_rate = 0.0
        self.requests = 0
        self.failures = 0
        self.rate_limited = 0
        self.in_flight = 0
        self.last_error: str | None = None

    def ttfb(self, ms: float) -> None:
        self.ttfb_ms = ms if self.ttfb_ms is None else self.ttfb_ms + ALPHA * (ms - self.ttfb_ms)

    def total(self, ms: float) -> None:
        self.total_ms = ms if self.total_ms is None else self.total_ms + ALPHA * (ms - self.total_ms)

    def ok(self) -> None:
        self.requests += 1
        self.error_rate -= ERROR_ALPHA * self.error_rate

    def failed(self, what: str) -> None:
        self.requests += 1
        self.failures += 1
        self.last_error = what
        self.error_rate += ERROR_ALPHA * (1.0 - self.error_rate)

    def latency(self, stream: bool) -> float | None:
        """The latency that matters for a request: time to first byte for streams, total otherwise."""
        if stream:
            return self.ttfb_ms if self.ttfb_ms is not None else self.total_ms
        return self.total_ms if self.total_ms is not None else self.ttfb_ms
