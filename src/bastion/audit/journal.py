"""The crash journal: every record is appended here (one `write(2)`, a few µs) before the client receives
the last bytes of its response, and stays until the database has committed it.

`kill -9` cannot lose what `write(2)` handed to the kernel (only power loss can, unless `fsync` is on), so a
record of every completed response survives a crash of the process. Each live journal file is held with an
exclusive `flock`; the kernel drops it when its process dies, so any process can later claim the file
(`orphans()`), replay it into the database (records are de-duplicated by id) and delete it.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson


@dataclass(slots=True)
class Orphan:
    path: Path
    fd: int
    records: list[dict[str, Any]]

    def remove(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        os.close(self.fd)


def read_records(data: bytes) -> list[dict[str, Any]]:
    """Parse journal lines; a torn last line (crash mid-write of a response never delivered) is skipped."""
    out = []
    for line in data.split(b"\n"):
        if not line:
            continue
        try:
            rec = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if isinstance(rec, dict) and "id" in rec:
            out.append(rec)
    return out


@dataclass(slots=True)
class _Retired:
    """A rotated-out file of this process, kept (and locked) until its last record is committed."""

    path: Path
    fd: int
    upto: int  # records appended to the journal before this file was rotated out


class Journal:
    """This process's journal: the current file plus rotated-out files still holding uncommitted records.
    `appended` counts records appended; the writer reports how many of them are committed (`release`), in
    order, and a rotated-out file is deleted once everything in it is committed."""

    def __init__(self, directory: Path, database_url: str, fsync: bool = False) -> None:
        # one journal directory per database: a journal is only ever replayed into its own database
        tag = hashlib.sha256(database_url.encode()).hexdigest()[:12]
        self.dir = directory / "journal" / tag
        self.fsync = fsync
        self.path: Path | None = None
        self.fd = -1
        self.size = 0  # bytes in the current file
        self.appended = 0
        self._retired: list[_Retired] = []

    def open(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        self.fd, self.path = self._new()
        self.size = 0

    def _new(self) -> tuple[int, Path]:
        path = self.dir / f"j-{os.getpid()}-{time.time_ns()}.log"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return fd, path

    def append(self, line: bytes) -> None:
        view = memoryview(line)
        while view:
            n = os.write(self.fd, view)
            view = view[n:]
        self.size += len(line)
        self.appended += 1
        if self.fsync:
            os.fsync(self.fd)

    def rotate(self) -> None:
        """Continue in a new file; the old one stays until `release` says its records are committed."""
        assert self.path is not None
        self._retired.append(_Retired(self.path, self.fd, self.appended))
        self.fd, self.path = self._new()
        self.size = 0

    def release(self, committed: int) -> None:
        """`committed` of the records appended so far (the oldest ones) are in the database."""
        while self._retired and self._retired[0].upto <= committed:
            old = self._retired.pop(0)
            with contextlib.suppress(FileNotFoundError):
                old.path.unlink()
            os.close(old.fd)

    @property
    def files(self) -> int:
        return len(self._retired) + (self.fd >= 0)

    def close(self, remove: bool) -> None:
        """Close every file; `remove`: everything is committed, delete them too."""
        if self.fd < 0:
            return
        for f in [*self._retired, _Retired(self.path or Path(), self.fd, self.appended)]:
            if remove:
                with contextlib.suppress(FileNotFoundError):
                    f.path.unlink()
            os.close(f.fd)
        self._retired.clear()
        self.fd = -1

    def orphans(self) -> Iterator[Orphan]:
        """Journal files whose process is gone (their lock is free), claimed one at a time."""
        if not self.dir.exists():
            return
        for path in sorted(self.dir.glob("j-*.log")):
            if path == self.path or any(r.path == path for r in self._retired):
                continue
            try:
                fd = os.open(path, os.O_RDONLY)
            except FileNotFoundError:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            try:
                data = path.read_bytes()
            except FileNotFoundError:
                os.close(fd)
                continue
            yield Orphan(path, fd, read_records(data))
