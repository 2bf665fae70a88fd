"""Upstream deadlines on one shared coarse clock instead of one event-loop timer per request.

`asyncio.timeout` (and aiohttp's per-read timeout) schedule, reschedule and cancel a loop timer for every
request and every stream chunk; on the gateway's hot path that was about 7 % of its CPU. Provider timeouts
are seconds long, so precision of one tick (`TICK` seconds) is plenty: a `Watch` is armed with a deadline
while the task waits on the provider, and a single ticker, running only while watches exist, cancels the
tasks whose deadline passed. The waiting code turns that cancellation into its own timeout error with
`expired()`, exactly as `asyncio.timeout` does (a cancellation from anywhere else, e.g. the client going
away, stays a cancellation).
"""

from __future__ import annotations

import asyncio

TICK = 0.05  # seconds: a timeout fires between its deadline and one tick later
_IDLE_TICKS = 40  # the ticker stops after this many ticks with nothing to watch (restarts on demand)


class Watch:
    """One task's wait on a provider. `deadline` (loop time) may be moved while armed."""

    __slots__ = ("deadline", "fired", "task")

    def __init__(self, task: asyncio.Task[object], deadline: float) -> None:
        self.task = task
        self.deadline = deadline
        self.fired = False

    def expired(self) -> bool:
        """Call in `except CancelledError`: True when this watch caused the cancellation (then the
        cancellation is consumed and the caller raises its timeout error instead)."""
        return self.fired and self.task.uncancel() == 0


class Deadlines:
    """The per-process set of armed watches and the ticker that enforces them (one per event loop)."""

    __slots__ = ("_armed", "_handle", "_idle", "_loop")

    def __init__(self) -> None:
        self._armed: set[Watch] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._handle: asyncio.TimerHandle | None = None
        self._idle = 0

    def now(self) -> float:
        loop = self._loop
        if loop is None:
            loop = self._loop = asyncio.get_running_loop()
        return loop.time()

    def arm(self, seconds: float) -> Watch:
        """Starts watching the current task: cancelled once `seconds` have passed, unless disarmed."""
        task = asyncio.current_task()
        assert task is not None, "Deadlines.arm() must be called from a task"
        watch = Watch(task, self.now() + seconds)
        self._armed.add(watch)
        self._ticking()
        return watch

    def rearm(self, watch: Watch, seconds: float, cap_at: float) -> float:
        """Arms `watch` again for the current task (e.g. before waiting for the next stream chunk), to
        `seconds` from now but no later than `cap_at`; returns now (loop time)."""
        task = asyncio.current_task()
        assert task is not None
        watch.task = task
        now = self.now()
        watch.deadline = min(now + seconds, cap_at)
        self._armed.add(watch)
        self._ticking()
        return now

    def _ticking(self) -> None:
        """Starts the ticker unless it runs."""
        if self._handle is None:
            self._idle = 0
            assert self._loop is not None
            self._handle = self._loop.call_later(TICK, self._tick)

    def disarm(self, watch: Watch) -> None:
        self._armed.discard(watch)

    def _tick(self) -> None:
        loop = self._loop
        assert loop is not None
        if self._armed:
            self._idle = 0
            now = loop.time()
            for watch in [w for w in self._armed if w.deadline <= now]:
                self._armed.discard(watch)
                watch.fired = True
                watch.task.cancel()
        else:
            self._idle += 1
            if self._idle >= _IDLE_TICKS:
                self._handle = None
                return
        self._handle = loop.call_later(TICK, self._tick)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        self._armed.clear()
