"""`bastion serve --workers N`: every worker's metrics in one answer, whichever worker is scraped.

The parent creates a per-run directory and names it in BASTION_METRICS_DIR before spawning the workers
(`per_run_directory`), and removes it when the run ends, so counters start at zero each run and never mix
with another run's (a directory the operator names in BASTION_METRICS_DIR is used instead, emptied of
earlier snapshots and left in place). Each worker writes its values there (`Snapshots.write`: one JSON
file per worker, replaced atomically) every `metrics.flush_interval` seconds and when it stops; the
worker answering /metrics merges its live values with the others' files. A scrape therefore sees another
worker's requests at most `flush_interval` late; a worker that is killed loses at most that much.

Chosen over prometheus-client's multiprocess mode (an mmap'ed value per series, a lock and a write per
update) by measurement: see bench/observability and bench/RESULTS.md.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

METRICS_DIR_ENV = "BASTION_METRICS_DIR"


@contextlib.contextmanager
def per_run_directory() -> Iterator[str]:
    given = os.environ.get(METRICS_DIR_ENV)
    if given:  # the operator's choice (e.g. a tmpfs): kept, but emptied of an earlier run's snapshots
        os.makedirs(given, exist_ok=True)
        for old in Path(given).glob("worker-*.json"):
            old.unlink(missing_ok=True)
        yield given
        return
    path = tempfile.mkdtemp(prefix="bastion-metrics-")
    previous = os.environ.get(METRICS_DIR_ENV)
    os.environ[METRICS_DIR_ENV] = path
    try:
        yield path
    finally:
        if previous is None:
            os.environ.pop(METRICS_DIR_ENV, None)
        else:
            os.environ[METRICS_DIR_ENV] = previous
        shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Snapshots:
    """This worker's file in the shared directory, and reading the other workers' files."""

    def __init__(self, directory: str, pid: int | None = None) -> None:
        self.dir = Path(directory)
        self.pid = pid if pid is not None else os.getpid()
        self.path = self.dir / f"worker-{self.pid}.json"

    @classmethod
    def from_env(cls) -> Snapshots | None:
        directory = os.environ.get(METRICS_DIR_ENV)
        return cls(directory) if directory else None

    def write(self, values: dict[str, Any]) -> None:
        data = orjson.dumps({"pid": self.pid, "time": time.time(), **values})
        tmp = self.path.with_suffix(".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, self.path)

    def read_others(self) -> list[dict[str, Any]]:
        out = []
        for path in self.dir.glob("worker-*.json"):
            if path == self.path:
                continue
            try:
                snap = orjson.loads(path.read_bytes())
            except (OSError, orjson.JSONDecodeError):
                continue  # replaced while listing, or not a snapshot: the next scrape reads it
            pid = snap.get("pid")
            snap["live"] = isinstance(pid, int) and _alive(pid)
            out.append(snap)
        return out
