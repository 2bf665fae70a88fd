"""StreamRestorer: restores pseudonyms in a streamed response whose placeholders may be split across chunks.

Each ``feed(delta)`` returns everything that can no longer be part of a placeholder, restored. Only the
shortest tail that could still grow into a placeholder this vault would restore is held back (at most one
placeholder's length); unrelated text is never delayed. ``flush()`` returns the held tail at end of stream.
"""

from __future__ import annotations

from bastion.pii.placeholders import viable_prefix
from bastion.pii.vault import Vault

# Longest placeholder form: "\u003cID_NUMBER_999999\u003e" and friends fit well inside this window.
_WINDOW = 40
_OPENING_CHARS = frozenset("<[{&\\")


class StreamRestorer:
    __slots__ = ("_json", "_pending", "_vault")

    def __init__(self, vault: Vault, *, json_string: bool = False) -> None:
        """``json_string=True`` restores with JSON escaping (for streamed tool-call argument fragments)."""
        self._vault = vault
        self._pending = ""
        self._json = json_string

    def feed(self, delta: str) -> str:
        buffer = self._pending + delta
        if not buffer:
            return ""
        if len(self._vault) == 0:
            self._pending = ""
            return buffer
        cut = self._hold_from(buffer)
        self._pending = buffer[cut:]
        return self._restore(buffer[:cut])

    def flush(self) -> str:
        tail, self._pending = self._pending, ""
        return self._restore(tail)

    def _restore(self, text: str) -> str:
        return self._vault.restore_json_string(text) if self._json else self._vault.restore(text)

    @staticmethod
    def _hold_from(buffer: str) -> int:
        """Start of the earliest tail of ``buffer`` that may become a placeholder (len(buffer) if none)."""
        n = len(buffer)
        for i in range(max(0, n - _WINDOW), n):
            ch = buffer[i]
            opens = ch in _OPENING_CHARS or (ch.isupper() and (i == 0 or not buffer[i - 1].isalnum()))
            if opens and viable_prefix(buffer[i:]):
                return i
        return n

    def __repr__(self) -> str:
        return f"StreamRestorer(holding={len(self._pending)} chars)"
