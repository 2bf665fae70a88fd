"""Reading log files line by line in constant memory: plain or gzip (told by its magic bytes, not the
name), or `-` for standard input; a progress bar on stderr when it is a terminal."""

from __future__ import annotations

import gzip
import io
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO, TextIO

SAMPLE_LINES = 40
_PROGRESS_EVERY = 0.25  # seconds between redraws


class Progress:
    """`[#####.....]  48%  512.0 MB / 1.0 GB  85.3 MB/s  access.log` on one redrawn stderr line."""

    def __init__(self, stream: TextIO | None = None, enabled: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self._last = 0.0
        self._start = time.monotonic()
        self._drawn = False

    def update(self, name: str, done: int, total: int | None) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < _PROGRESS_EVERY:
            return
        self._last = now
        rate = done / max(now - self._start, 1e-6)
        if total:
            share = min(done / total, 1.0)
            bar = "#" * int(share * 30)
            text = f"[{bar:<30}] {share:4.0%}  {size(done)} / {size(total)}  {size(rate)}/s  {name}"
        else:
            text = f"{size(done)}  {size(rate)}/s  {name}"
        self.stream.write("\r" + text[:120].ljust(120))
        self.stream.flush()
        self._drawn = True

    def done(self) -> None:
        if self._drawn:
            self.stream.write("\r" + " " * 120 + "\r")
            self.stream.flush()
            self._drawn = False


def size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"


class LogFile:
    """One input: iterate `lines()` (decoded, undecodable bytes replaced); `position()` is how far into
    the file (compressed bytes for gzip) reading has got, `total` its size (None for stdin)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.name = "<stdin>" if path == "-" else os.path.basename(path)
        self._raw: BinaryIO = sys.stdin.buffer if path == "-" else open(path, "rb")  # noqa: SIM115
        self.total: int | None = None if path == "-" else os.fstat(self._raw.fileno()).st_size
        self._seekable = path != "-"
        head = self._raw.peek(2)[:2] if isinstance(self._raw, io.BufferedReader) else b""
        self.compressed = head == b"\x1f\x8b"
        self._stream: BinaryIO = gzip.GzipFile(fileobj=self._raw) if self.compressed else self._raw  # type: ignore[assignment]
        self._sample: list[bytes] = []

    def sample(self) -> list[str]:
        """The first lines, for sniffing; `lines()` still yields them."""
        while len(self._sample) < SAMPLE_LINES:
            line = self._stream.readline()
            if not line:
                break
            self._sample.append(line)
        return [b.decode("utf-8", "replace") for b in self._sample]

    def position(self) -> int:
        return self._raw.tell() if self._seekable else 0

    def lines(self) -> Iterator[str]:
        for raw in self._sample:
            yield raw.decode("utf-8", "replace")
        self._sample = []
        for raw in self._stream:
            yield raw.decode("utf-8", "replace")

    def close(self) -> None:
        if self.compressed:
            self._stream.close()
        if self.path != "-":
            self._raw.close()


@contextmanager
def open_log(path: str) -> Iterator[LogFile]:
    log = LogFile(path)
    try:
        yield log
    finally:
        log.close()
