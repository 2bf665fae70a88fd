"""An exact sliding-window log: a limit of N units per window admits a request of `cost` units only when
the units admitted in the last window (now - window, now] plus `cost` stay within N, so no window of that
length ever holds more than N (unlike a token bucket, which refills during a burst). Each entry keeps its
units, so a token estimate is settled to the actual count later. `scripts.py` implements the same log
in Redis (a sorted set of entry ids by time, a hash of their units, and their running sum)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass


@dataclass(slots=True)
class Entry:
    at: float  # ms
    units: int


@dataclass(frozen=True, slots=True)
class WindowState:
    allowed: bool
    remaining: int
    reset_ms: float  # until every unit in the window has expired
    retry_after_ms: float | None  # when refused: until enough has expired (None: cost > limit, never)


class WindowLog:
    __slots__ = ("_entries", "_order", "total")

    def __init__(self) -> None:
        self._order: deque[tuple[float, str]] = deque()
        self._entries: dict[str, Entry] = {}
        self.total = 0

    def _expire(self, now: float, window: float) -> None:
        while self._order and self._order[0][0] <= now - window:
            _, rid = self._order.popleft()
            entry = self._entries.pop(rid, None)
            if entry is not None:
                self.total -= entry.units

    def check(self, now: float, window: float, limit: int, cost: int) -> WindowState:
        self._expire(now, window)
        newest = self._order[-1][0] if self._order else None
        if self.total + cost <= limit:
            return WindowState(True, limit - self.total - cost, window, None)
        reset = (newest + window - now) if newest is not None else 0.0
        if cost > limit:
            return WindowState(False, max(limit - self.total, 0), reset, None)
        need = self.total + cost - limit
        freed = 0
        retry = 0.0
        for at, rid in self._order:
            freed += self._entries[rid].units if rid in self._entries else 0
            if freed >= need:
                retry = at + window - now
                break
        return WindowState(False, max(limit - self.total, 0), reset, max(retry, 1.0))

    def add(self, now: float, rid: str, units: int) -> None:
        self._order.append((now, rid))
        self._entries[rid] = Entry(now, units)
        self.total += units

    def adjust(self, rid: str, delta: int) -> None:
        entry = self._entries.get(rid)
        if entry is not None:
            new = max(entry.units + delta, 0)
            self.total += new - entry.units
            entry.units = new
