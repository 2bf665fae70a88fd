"""The shared shape of every cache kept in step with a stored version (identity keys, policy sets, audit
data keys): a refresh every poll interval, woken early by a Redis notice, and background tasks stopped
together."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable


async def poll_forever(
    wake: asyncio.Event,
    interval: Callable[[], float],
    refresh: Callable[[], Awaitable[object]],
    log: logging.Logger,
    failed: Callable[[Exception], str],
) -> None:
    """Calls `refresh` every `interval()` seconds, or at once when `wake` is set; a failing refresh is
    logged on the caller's `log` (`failed(exc)` says what stays in place) and retried at the next poll."""
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), interval())
        wake.clear()
        try:
            await refresh()
        except Exception as exc:
            log.warning("%s", failed(exc))


async def stop_tasks(tasks: list[asyncio.Task[None]]) -> None:
    """Cancels the tasks, waits for them to end and empties the list."""
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task
    tasks.clear()
