"""`TextCache`: a bounded, per-process memo of a pure function of a text (PII detection, content scores),
so the unchanged part of a conversation (system prompt, earlier turns), sent again with every turn, is not
scanned again.

Keys are the exact text plus a scope (the caller's team or key, so one tenant's traffic can never warm, or
time, another's entries); values are what the function returned for that text, never anything derived
from a request (placeholders and vaults are per request and are not cached). Least recently used entries
go first once either bound is reached: `max_entries`, or `max_chars` characters of keys in all. Texts
longer than `max_text` are not kept. Safe to share between the event loop and worker threads.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, TypeVar

V = TypeVar("V")


class TextCache(Generic[V]):
    __slots__ = ("_chars", "_entries", "_lock", "hits", "max_chars", "max_entries", "max_text", "misses")

    def __init__(self, max_entries: int = 4096, max_chars: int = 4_000_000, max_text: int = 65_536) -> None:
        self.max_entries = max_entries
        self.max_chars = max_chars
        self.max_text = max_text
        self._entries: OrderedDict[tuple[str, str], V] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def chars(self) -> int:
        return self._chars

    def get(self, scope: str, text: str) -> V | None:
        key = (scope, text)
        with self._lock:
            value = self._entries.get(key)
            if value is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return value

    def put(self, scope: str, text: str, value: V) -> None:
        if self.max_entries <= 0 or len(text) > self.max_text:
            return
        key = (scope, text)
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return
            self._entries[key] = value
            self._chars += len(text)
            while len(self._entries) > self.max_entries or self._chars > self.max_chars:
                (_, old), _ = self._entries.popitem(last=False)
                self._chars -= len(old)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._chars = 0


def scope_of(team_id: str | None, team: str | None, key_id: str | None) -> str:
    """A cache scope: the caller's team (by id, else name), else its key; texts of different tenants never
    share an entry."""
    if team_id:
        return "team:" + team_id
    if team:
        return "team:" + team
    return "key:" + (key_id or "")
