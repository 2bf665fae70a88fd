"""Which failures are retried, Retry-After parsing and backoff bounds."""

from __future__ import annotations

import random
import time
from email.utils import formatdate

import pytest

from bastion.config.routing import Backoff
from bastion.errors import BadGateway, BadRequest, GatewayError, GatewayTimeout, Unavailable, UpstreamError
from bastion.routing.retry import FATAL, RATE_LIMITED, RETRY, backoff_delay, classify, retry_after


@pytest.mark.parametrize(
    ("err", "kind"),
    [
        (BadGateway("connection refused"), RETRY),
        (GatewayTimeout("no first byte"), RETRY),
        (Unavailable("overloaded"), RETRY),
        (UpstreamError(408, "timeout"), RETRY),
        (UpstreamError(429, "slow down"), RATE_LIMITED),
        (UpstreamError(400, "bad"), FATAL),
        (UpstreamError(404, "no such model"), FATAL),
        (BadRequest("bad"), FATAL),
    ],
)
def test_classify(err: GatewayError, kind: str) -> None:
    assert classify(err) == kind


def test_retry_after_seconds_and_http_date() -> None:
    assert retry_after(UpstreamError(429, "x", headers={"retry-after": "7"})) == 7.0
    date = formatdate(time.time() + 30, usegmt=True)
    assert 28 <= (retry_after(UpstreamError(429, "x", headers={"retry-after": date})) or 0) <= 30
    assert retry_after(UpstreamError(429, "x", headers={"retry-after": "soon"})) is None
    assert retry_after(UpstreamError(429, "x")) is None


def test_backoff_grows_exponentially_within_bounds() -> None:
    rng = random.Random(1)
    full = Backoff(initial=0.1, multiplier=2, max=1.0, jitter="full")
    for n, cap in ((1, 0.1), (2, 0.2), (3, 0.4), (4, 0.8), (5, 1.0), (9, 1.0)):
        assert all(0 <= backoff_delay(full, n, rng) <= cap for _ in range(200))
    assert backoff_delay(Backoff(initial=0.1, jitter="none"), 3, rng) == pytest.approx(0.4)
    equal = Backoff(initial=0.1, jitter="equal")
    assert all(0.2 <= backoff_delay(equal, 3, rng) <= 0.4 for _ in range(200))
