"""`bastion serve --workers N`: a per-run directory for prometheus-client's multiprocess files.

The parent creates it and names it in PROMETHEUS_MULTIPROC_DIR before the workers are spawned (they read
it when they import prometheus-client), and removes it when the run ends, so counters start at zero each
run and never mix with another run's. A directory the operator set in PROMETHEUS_MULTIPROC_DIR is used
as given (and left in place). A worker that exits has its live gauges dropped (`mark_dead`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator

from bastion.observability.exposition import MULTIPROC_ENV


@contextlib.contextmanager
def per_run_directory() -> Iterator[str]:
    given = os.environ.get(MULTIPROC_ENV)
    if given:
        os.makedirs(given, exist_ok=True)
        yield given
        return
    path = tempfile.mkdtemp(prefix="bastion-metrics-")
    os.environ[MULTIPROC_ENV] = path
    try:
        yield path
    finally:
        os.environ.pop(MULTIPROC_ENV, None)
        shutil.rmtree(path, ignore_errors=True)


def mark_dead(pid: int | None) -> None:
    if pid is None or not os.environ.get(MULTIPROC_ENV):
        return
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(pid)
