"""A circuit breaker for one target: closed (traffic flows) -> open after `failures` consecutive failures
(the target is skipped) -> half-open after `open_seconds` (up to `half_open_probes` requests go through as
probes) -> closed again on a probe's success, or open again on its failure.

A provider's `429` with `Retry-After` holds the target back until that time (`hold`), without counting as
a failure: rate limiting is not breakage.
"""

from __future__ import annotations

import time

from bastion.config.routing import BreakerSettings

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half-open"


class Breaker:
    __slots__ = ("_probes", "consecutive", "held_until", "opened_at", "opens", "settings", "state", "until")

    def __init__(self, settings: BreakerSettings) -> None:
        self.settings = settings
        self.state = CLOSED
        self.consecutive = 0
        self.until = 0.0  # monotonic time the open state ends
        self.opened_at: float | None = None  # wall clock, for the health view
        self.opens = 0
        self.held_until = 0.0  # monotonic time a provider's Retry-After ends
        self._probes = 0

    def allows(self, now: float | None = None) -> bool:
        """May a request be sent now? Claims a probe slot when half-open (release it with success/failure)."""
        if self.state == CLOSED and not self.held_until:
            return True
        now = time.monotonic() if now is None else now
        if self.held_until:
            if now < self.held_until:
                return False
            self.held_until = 0.0
            if self.state == CLOSED:
                return True
        if self.state == OPEN:
            if now < self.until:
                return False
            self.state = HALF_OPEN
            self._probes = 0
        if self._probes >= self.settings.half_open_probes:
            return False
        self._probes += 1
        return True

    def success(self) -> None:
        self.consecutive = 0
        if self.state != CLOSED:
            self.state = CLOSED
            self._probes = 0

    def failure(self, now: float | None = None) -> None:
        self.consecutive += 1
        if not self.settings.enabled:
            return
        if self.state == HALF_OPEN or self.consecutive >= self.settings.failures:
            self._open((time.monotonic() if now is None else now) + self.settings.open_seconds)

    def hold(self, seconds: float) -> None:
        """Keep the target out of rotation for `seconds` (a provider's Retry-After)."""
        self.held_until = max(self.held_until, time.monotonic() + seconds)

    def release(self) -> None:
        """A claimed attempt ended without a verdict on the target (e.g. the client went away)."""
        if self.state == HALF_OPEN and self._probes > 0:
            self._probes -= 1

    def _open(self, until: float) -> None:
        if self.state != OPEN:
            self.opens += 1
            self.opened_at = time.time()
        self.state = OPEN
        self.until = until
        self._probes = 0

    def held_for(self, now: float | None = None) -> float:
        """Seconds left of a provider's Retry-After (0 when none)."""
        if not self.held_until:
            return 0.0
        return max(0.0, self.held_until - (time.monotonic() if now is None else now))

    def retry_in(self, now: float | None = None) -> float:
        """Seconds until the target may be tried again: open breaker or Retry-After (0: now)."""
        now = time.monotonic() if now is None else now
        wait = self.held_for(now)
        if self.state == OPEN:
            wait = max(wait, self.until - now)
        return max(0.0, wait)
