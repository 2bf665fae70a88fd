"""Continuous shadow-AI discovery inside the gateway: events from the API, the syslog listener and the
gateway's own signals are matched against the catalogue, summed per (day, service, user, source) in
memory and written every `flush_interval` seconds (the events API writes before it answers). Rows older
than `retention_days` are deleted at start-up and every few hours."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from dataclasses import dataclass

from bastion.config.schema import Config
from bastion.shadow.alerts import Alerter
from bastion.shadow.events import Event, day_of, iso
from bastion.shadow.setup import catalogue_for, users_for
from bastion.shadow.store import Cell, Key, ShadowStore
from bastion.storage import Storage

log = logging.getLogger("bastion.shadow")
_MAX_CELLS = 50_000  # buffered rows before an early flush
_PRUNE_EVERY = 6 * 3600.0
DAY = 86400.0


@dataclass(slots=True)
class Counters:
    events: int = 0
    matched: int = 0
    flush_failures: int = 0


class ShadowRuntime:
    def __init__(self, config: Config, storage: Storage) -> None:
        self.settings = config.shadow
        self.catalogue = catalogue_for(config)
        self.users = users_for(config)
        self.store = ShadowStore(storage)
        self.alerter = Alerter(self.settings.alerts)
        self.counters = Counters()
        self.syslog: object | None = None  # `bastion.shadow.syslog.SyslogListener` once started
        self._cells: dict[Key, Cell] = {}
        self._seen: dict[str, tuple[float, bool]] = {}
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._pruned_at = 0.0

    # --- recording (sync: called on the request path and from protocol callbacks) -------------------
    def ingest(self, event: Event, source: str = "logs") -> bool:
        """Counts one event; True when it is an AI service."""
        self.counters.events += 1
        service = self.catalogue.match(event.host, event.path)
        if service is None:
            return False
        self.record(service.id, event.user, event.time, event.bytes_out, source)
        return True

    def record(self, service: str, user: str, when: float, bytes_out: int, source: str) -> None:
        self.counters.matched += 1
        if math.isnan(when):
            when = time.time()
        who = self.users(user)
        key = (day_of(when), service, who[:200], source)
        cell = self._cells.get(key)
        if cell is None:
            self._cells[key] = Cell(1, bytes_out, when, when)
            if len(self._cells) >= _MAX_CELLS:
                self._wake.set()
        else:
            cell.requests += 1
            cell.bytes_out += bytes_out
            cell.first = min(cell.first, when)
            cell.last = max(cell.last, when)
        if service not in self._seen:
            self._seen[service] = (when, self.catalogue.is_sanctioned(service))
        threshold = self.settings.alerts.large_upload_bytes
        if threshold is not None and bytes_out >= threshold:
            self.alerter.send({"type": "large_upload", **self._about(service), "user": who,
                               "bytes_out": bytes_out, "time": iso(when), "evidence": source})  # fmt: skip

    def _about(self, service: str) -> dict[str, object]:
        info = self.catalogue.describe(service)
        sanctioned = self.catalogue.is_sanctioned(service)
        return {"service": service, "name": info["name"], "vendor": info["vendor"],
                "category": info["category"], "sanctioned": sanctioned}  # fmt: skip

    def stats(self) -> dict[str, int]:
        """This worker's counters since start (not shared between workers)."""
        listener = self.syslog
        return {
            "events": self.counters.events, "matched": self.counters.matched,
            "flush_failures": self.counters.flush_failures,
            "syslog_messages": getattr(listener, "messages", 0),
            "syslog_bad_lines": getattr(listener, "bad", 0),
            "alerts_sent": self.alerter.sent, "alerts_failed": self.alerter.failed,
            "alerts_dropped": self.alerter.dropped,
        }  # fmt: skip

    # --- writing ------------------------------------------------------------------------------------
    async def flush(self) -> None:
        async with self._lock:
            cells, self._cells = self._cells, {}
            seen, self._seen = self._seen, {}
            try:
                await self.store.add(cells)
            except Exception:
                self.counters.flush_failures += 1
                self._merge_back(cells, seen)
                raise
            try:
                won = await self.store.first_sightings(seen)
            except Exception:
                self.counters.flush_failures += 1
                self._merge_back({}, seen)
                raise
        for service in won:
            first, sanctioned = seen[service]
            if not sanctioned and self.settings.alerts.new_unsanctioned:
                self.alerter.send({"type": "new_unsanctioned_service", **self._about(service),
                                   "first_seen": iso(first)})  # fmt: skip

    def _merge_back(self, cells: dict[Key, Cell], seen: dict[str, tuple[float, bool]]) -> None:
        """A failed write keeps its counts for the next flush."""
        for key, cell in cells.items():
            mine = self._cells.get(key)
            if mine is None:
                self._cells[key] = cell
            else:
                mine.requests += cell.requests
                mine.bytes_out += cell.bytes_out
                mine.first = min(mine.first, cell.first)
                mine.last = max(mine.last, cell.last)
        for service, value in seen.items():
            self._seen.setdefault(service, value)

    async def prune(self) -> int:
        cutoff = day_of(time.time() - self.settings.retention_days * DAY)
        self._pruned_at = time.monotonic()
        return await self.store.prune(cutoff)

    # --- lifecycle ----------------------------------------------------------------------------------
    async def start(self) -> None:
        self.alerter.start()
        await self.prune()
        self._task = asyncio.get_running_loop().create_task(self._loop(), name="shadow-flush")
        if self.settings.syslog is not None:
            from bastion.shadow.syslog import SyslogListener

            listener = SyslogListener(self, self.settings.syslog)
            await listener.start()
            self.syslog = listener

    async def stop(self) -> None:
        if self.syslog is not None:
            await self.syslog.stop()  # type: ignore[attr-defined]
            self.syslog = None
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        try:
            await self.flush()
        except Exception:
            log.exception("shadow: the last %d buffered rows could not be written", len(self._cells))
        await self.alerter.stop()

    async def _loop(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.settings.flush_interval)
            self._wake.clear()
            try:
                await self.flush()
                if time.monotonic() - self._pruned_at > _PRUNE_EVERY:
                    await self.prune()
            except Exception:
                log.exception("shadow: writing buffered events failed (kept for the next attempt)")
