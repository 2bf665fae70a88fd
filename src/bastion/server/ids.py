"""Request ids: a random per-process prefix and a counter (no system call per request, unlike
`os.urandom`). 24 hex characters, unique across workers and replicas with overwhelming probability."""

from __future__ import annotations

import itertools
import os


class RequestIds:
    __slots__ = ("_counter", "_prefix")

    def __init__(self) -> None:
        self._prefix = os.urandom(6).hex()
        self._counter = itertools.count(int.from_bytes(os.urandom(3), "big"))

    def __call__(self) -> str:
        return f"{self._prefix}{next(self._counter) & 0xFFFFFFFFFFFF:012x}"
