"""What every log format is reduced to: one request (or DNS query, or TLS connection) by one user to one
host, with the bytes it uploaded. Formats that carry no upload size report 0."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import NamedTuple


class Event(NamedTuple):
    time: float  # epoch seconds; NaN when the line carries no time
    user: str  # the authenticated user, else the client address
    host: str  # lower case, no port
    path: str  # "/..." when the evidence has a URL, else ""
    bytes_out: int  # bytes the client sent (request body), 0 when unknown


class BadLine(ValueError):
    """A line of the right kind of log that cannot be read (counted, never fatal)."""


NO_TIME = math.nan
_ZONE = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")
_FORMATS = ("%d-%b-%Y %H:%M:%S.%f", "%d-%b-%Y %H:%M:%S", "%a %b %d %H:%M:%S %Y", "%d/%b/%Y:%H:%M:%S %z")


def parse_time(text: str) -> float:
    """Epoch seconds (s, ms or ns), ISO 8601 (naive = UTC), BIND's `05-Dec-2026 09:15:02.123`, Zscaler's
    `Sat Dec 05 09:15:02 2026`, or Apache's `05/Dec/2026:09:15:02 +0000`. Raises BadLine."""
    text = text.strip()
    if not text or text == "-":
        raise BadLine("no time")
    try:
        value = float(text)
    except ValueError:
        pass
    else:
        if not math.isfinite(value) or value < 0:
            raise BadLine(f"bad time {text[:40]!r}")
        while value > 1e11:  # milliseconds, microseconds, nanoseconds
            value /= 1000
        return value
    try:
        stamp = datetime.fromisoformat(text)
    except ValueError:
        for fmt in _FORMATS:
            try:
                stamp = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        else:
            raise BadLine(f"bad time {text[:40]!r}") from None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.timestamp()


def iso(epoch: float | None) -> str | None:
    if epoch is None or math.isnan(epoch):
        return None
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def day_of(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d")


def to_int(text: str) -> int:
    if not text or text == "-":
        return 0
    try:
        value = int(text)
    except ValueError:
        raise BadLine(f"bad byte count {text[:20]!r}") from None
    if value < 0:
        raise BadLine(f"negative byte count {value}")
    return value
