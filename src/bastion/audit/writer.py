"""Group commit: records are journalled synchronously (`submit`, on the response path) and written to the
database in batches by one background task per worker (`run`), off the request's critical path.

On start the writer replays journals left by dead processes; on stop it commits everything, signs a final
checkpoint and deletes its journal. `backlog_bytes` is what waits for the database (journalled, not yet
committed); `gate.py` bounds it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from bastion.audit.chain import Checkpoint
from bastion.audit.gate import JournalGate
from bastion.audit.journal import Journal
from bastion.audit.keys import Signer
from bastion.audit.retention import prune
from bastion.audit.store import Appended, AuditStore
from bastion.config.audit import AuditConfig

log = logging.getLogger("bastion.audit")
ROTATE_BYTES = 8 * 1024 * 1024  # a journal file is rotated at this size (or at a quarter of the cap)
ORPHAN_SCAN_SECONDS = 10.0
RETENTION_SECONDS = 3600.0  # how often a running writer applies `retention_days`


class AuditWriter:
    def __init__(self, store: AuditStore, journal: Journal, signer: Signer, settings: AuditConfig) -> None:
        self.store = store
        self.journal = journal
        self.signer = signer
        self.settings = settings
        self.pending: list[dict[str, Any]] = []
        self._sizes: list[int] = []  # journal bytes of each pending record
        self.backlog_bytes = 0
        self.committed = 0  # records of `pending` committed so far (the journal's oldest `committed` lines)
        self.written = 0
        self.rotate_bytes = min(ROTATE_BYTES, max(settings.journal_max_bytes // 4, 4096))
        self.gate = JournalGate(settings)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._dirty = False  # records committed since the last checkpoint this writer saw
        self._last_checkpoint = time.monotonic()
        self._last_scan = time.monotonic()
        self._last_prune = 0.0
        self._retry = False  # the last commit failed (and may have landed): de-duplicate by id
        # observability: called with (records, seconds) after each successful batch commit
        self.on_commit: Callable[[int, float], None] | None = None
        self._flushing = asyncio.Lock()  # one commit at a time per writer (the task, stop(), replays)

    # --- the response path -------------------------------------------------------------------------
    def submit(self, record: dict[str, Any]) -> None:
        line = orjson.dumps(record) + b"\n"
        self.journal.append(line)
        self.pending.append(record)
        self._sizes.append(len(line))
        self.backlog_bytes += len(line)
        if len(self.pending) >= self.settings.batch_max:
            self._wake.set()

    # --- lifecycle -------------------------------------------------------------------------------
    async def start(self) -> None:
        self.journal.open()
        await self.replay_orphans()
        self._task = asyncio.create_task(self._run(), name="audit-writer")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        clean = True
        try:
            while self.pending:
                await self.flush()
            if self._dirty:
                await self._checkpoint_now()
        except Exception as exc:
            clean = False
            log.error("audit: could not commit %d record(s) at shutdown (kept in the journal): %s",
                      len(self.pending), exc)  # fmt: skip
        self.journal.close(remove=clean and not self.pending)

    async def replay_orphans(self) -> int:
        replayed = 0
        for orphan in self.journal.orphans():
            step = self.settings.batch_max
            for i in range(0, len(orphan.records), step):
                chunk = orphan.records[i : i + step]
                result = await self.store.append(chunk, self.signer, *self._cp(), dedupe=True)
                replayed += result.count
                self._after_commit(result)
            orphan.remove()
        if replayed:
            log.warning("audit: replayed %d record(s) from the journal of a process that stopped", replayed)
        return replayed

    # --- the background task -----------------------------------------------------------------------
    def _cp(self) -> tuple[int, float]:
        return self.settings.checkpoint_every, self.settings.checkpoint_seconds

    async def _run(self) -> None:
        backoff = self.settings.flush_interval
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), backoff)
            self._wake.clear()
            try:
                while self.pending:  # a backlog (after an outage) drains batch after batch
                    await self.flush()
                    if len(self.pending) < self.settings.batch_max:
                        break
                now = time.monotonic()
                if self._dirty and now - self._last_checkpoint >= self.settings.checkpoint_seconds:
                    await self._checkpoint_now()
                if now - self._last_scan >= ORPHAN_SCAN_SECONDS:
                    self._last_scan = now
                    await self.replay_orphans()
                if now - self._last_prune >= RETENTION_SECONDS:
                    self._last_prune = now
                    await prune(self.store, self.settings.retention_days)
                backoff = self.settings.flush_interval
            except Exception as exc:
                backoff = min(max(backoff * 2, 0.1), 5.0)
                log.warning("audit: database write failed, retrying in %.1fs (records are journalled): %s",
                            backoff, exc)  # fmt: skip

    async def flush(self) -> None:
        async with self._flushing:
            await self._flush()

    async def _flush(self) -> None:
        batch = self.pending[: self.settings.batch_max]
        if not batch:
            return
        t0 = time.perf_counter()
        try:
            result = await self.store.append(batch, self.signer, *self._cp(), dedupe=self._retry)
        except Exception:
            self._retry = True
            raise
        self._retry = False
        n = len(batch)
        if self.on_commit is not None:
            self.on_commit(n, time.perf_counter() - t0)
        del self.pending[:n]
        self.backlog_bytes -= sum(self._sizes[:n])
        del self._sizes[:n]
        self.committed += n
        self._after_commit(result)
        if self.journal.size > self.rotate_bytes:
            self.journal.rotate()
        self.journal.release(self.committed)
        gap = self.gate.reopen(self.backlog_bytes)
        if gap is not None:
            self.submit(gap)

    def _after_commit(self, result: Appended) -> None:
        self.written += result.count
        for cp in result.checkpoints:
            self._sink(cp)
        if result.checkpoints and result.checkpoints[-1].seq == result.head:
            self._dirty = False
            self._last_checkpoint = time.monotonic()
        elif result.count:
            self._dirty = True

    async def _checkpoint_now(self) -> None:
        cp = await self.store.checkpoint(self.signer)
        self._dirty = False
        self._last_checkpoint = time.monotonic()
        if cp is not None:
            self._sink(cp)

    def _sink(self, checkpoint: Checkpoint) -> None:
        path = self.settings.checkpoint_file
        if not path:
            return
        try:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            try:
                os.write(fd, orjson.dumps(checkpoint.as_dict()) + b"\n")
            finally:
                os.close(fd)
        except OSError as exc:
            log.error("audit: cannot append the checkpoint to %s: %s", path, exc)
