"""Where PII detection runs: inline on the event loop for short texts, in the default worker thread pool
for long ones, so one large request or answer never stalls the others. One threshold serves the request
scan, the response scan and the end-of-stream scan."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import ParamSpec, TypeVar

# Texts totalling at least this many characters are scanned in a worker thread. Measured: about 1 ms per
# 1,000 characters of prose and 2-3 ms per 1,000 of PII-dense text on one busy core, so typical prompts and
# answers (a few thousand characters) cost a few ms at most inline, less than a thread hop's bookkeeping
# is worth; detection holds the GIL either way, the thread only lets the loop interleave.
INLINE_CHARS = 20_000

P = ParamSpec("P")
R = TypeVar("R")


async def scan(chars: int, fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """``fn(*args, **kwargs)``: inline when ``chars`` < INLINE_CHARS, else in a worker thread."""
    if chars < INLINE_CHARS:
        return fn(*args, **kwargs)
    return await asyncio.to_thread(fn, *args, **kwargs)
