"""Graceful drain: what a worker does between SIGTERM and its exit (docs/deployment.md).

    SIGTERM ─┬─ /readyz answers 503 at once (load balancers stop sending new work)
             ├─ new connections are still accepted for `server.drain_grace_seconds`, then the listener closes
             ├─ requests and streams in flight run on until `server.drain_seconds` after the signal
             ├─ those still running then are cut: a 503 before any byte, or the API's error event mid-stream,
             │  audited with error code `gateway_shutdown`
             └─ cleanup: the audit journal is committed and a checkpoint signed; the process exits 0

A second SIGTERM (or Ctrl-C) during the drain cuts what is still running at once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

from bastion.errors import GatewayError, Unavailable

log = logging.getLogger("bastion.server")

CUT_CODE = "gateway_shutdown"
_AFTER_CUT_SECONDS = 5.0  # for cut requests to write their audit records (they end at their next await)


def cut_error(drain_seconds: float) -> Unavailable:
    return Unavailable(
        f"the gateway is shutting down: the request was still running {drain_seconds:g} s after the "
        "shutdown signal (server.drain_seconds); retry it",
        code=CUT_CODE,
    )


class InFlight:
    """The requests this worker is answering: what a drain waits for, and cuts at its deadline."""

    __slots__ = ("_cut", "_idle", "_tasks", "drain_seconds")

    def __init__(self, drain_seconds: float = 30.0) -> None:
        self.drain_seconds = drain_seconds
        self._tasks: set[asyncio.Task[Any]] = set()
        self._cut: set[asyncio.Task[Any]] = set()
        self._idle: asyncio.Event | None = None  # created when a drain waits

    def __len__(self) -> int:
        return len(self._tasks)

    def enter(self) -> asyncio.Task[Any] | None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        return task

    def leave(self, task: asyncio.Task[Any] | None) -> None:
        if task is None:
            return
        self._tasks.discard(task)
        self._cut.discard(task)
        if not self._tasks and self._idle is not None:
            self._idle.set()

    async def wait_idle(self, seconds: float) -> bool:
        """True when nothing is in flight any more, False when `seconds` passed first."""
        if not self._tasks:
            return True
        self._idle = asyncio.Event()
        try:
            await asyncio.wait_for(self._idle.wait(), max(seconds, 0.0))
        except TimeoutError:
            return not self._tasks
        return True

    def cut(self) -> int:
        """Cancels every request still running; each learns it was cut (not left by its client) from
        `claim_cut`. Returns how many."""
        for task in self._tasks - self._cut:
            self._cut.add(task)
            task.cancel()
        return len(self._cut)

    def claim_cut(self) -> GatewayError | None:
        """Called where the current request caught a cancellation: the error to answer with if the drain
        cut it (the cancellation is then withdrawn, so the request can still answer and be audited), None
        if it is the client that went away."""
        task = asyncio.current_task()
        if task is None or task not in self._cut:
            return None
        self._cut.discard(task)
        task.uncancel()
        return cut_error(self.drain_seconds)


class Drain:
    """One worker's drain. `signal()` is wired to SIGTERM/SIGINT; `run()` is awaited by the worker's main
    coroutine: it returns once the listener is closed and every request in flight ended or was cut."""

    def __init__(
        self, inflight: InFlight, grace_seconds: float, on_start: Callable[[], None] | None = None
    ) -> None:
        self.inflight = inflight
        self.drain_seconds = inflight.drain_seconds
        self.grace_seconds = grace_seconds
        self._on_start = on_start  # called once at the first signal (marks the worker not ready)
        self._started = asyncio.Event()
        self._hurry = asyncio.Event()
        self._deadline = 0.0

    def signal(self) -> None:
        if self._started.is_set():
            log.warning("second shutdown signal: cutting the requests still in flight now")
            self._hurry.set()
            return
        self._deadline = time.monotonic() + self.drain_seconds
        if self._on_start is not None:
            self._on_start()
        log.warning(
            "shutdown signal: draining (readyz 503; %d requests in flight; up to %gs)",
            len(self.inflight),
            self.drain_seconds,
        )
        self._started.set()

    async def wait_signal(self) -> None:
        await self._started.wait()

    async def _until(self, delay: float) -> None:
        """Sleeps `delay` seconds, or less if a second signal comes."""
        if delay > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._hurry.wait(), delay)

    async def finish_grace(self) -> None:
        await self._until(self.grace_seconds)

    async def finish_inflight(self) -> None:
        """Waits for the requests in flight until the deadline (or a second signal), then cuts the rest."""
        waiter = asyncio.ensure_future(self.inflight.wait_idle(self._deadline - time.monotonic()))
        hurry = asyncio.ensure_future(self._hurry.wait())
        try:
            await asyncio.wait({waiter, hurry}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            hurry.cancel()
        if waiter.done() and waiter.result():
            return
        waiter.cancel()
        cut = self.inflight.cut()
        log.warning("drain deadline: cut %d requests still in flight", cut)
        await self.inflight.wait_idle(_AFTER_CUT_SECONDS)
