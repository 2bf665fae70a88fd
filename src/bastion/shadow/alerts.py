"""Webhook alerts (`shadow.alerts`): the first sighting of an unsanctioned AI service, and one request
uploading at least `large_upload_bytes`. Sent from a queue by one background task, so ingestion never
waits on the receiver; a failed delivery is logged and counted, never retried forever."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import aiohttp

from bastion.config.shadow import ShadowAlerts

log = logging.getLogger("bastion.shadow")
_QUEUE = 1000  # alerts waiting beyond this are dropped (counted)


class Alerter:
    def __init__(self, settings: ShadowAlerts) -> None:
        self.settings = settings
        self.enabled = settings.webhook_url is not None
        self.sent = 0
        self.failed = 0
        self.dropped = 0
        self._queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(_QUEUE)
        self._task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None

    def start(self) -> None:
        if self.enabled and self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="shadow-alerts")

    async def stop(self) -> None:
        if self._task is not None:
            with contextlib.suppress(TimeoutError):  # deliver what is queued, briefly
                await asyncio.wait_for(self._queue.join(), timeout=self.settings.timeout)
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    def send(self, alert: dict[str, Any]) -> None:
        if not self.enabled:
            return
        try:
            self._queue.put_nowait({"source": "bastion", "kind": "shadow_ai", **alert})
        except asyncio.QueueFull:
            self.dropped += 1

    async def _run(self) -> None:
        url = self.settings.webhook_url
        assert url is not None
        timeout = aiohttp.ClientTimeout(total=self.settings.timeout)
        self._session = aiohttp.ClientSession(timeout=timeout)
        while True:
            alert = await self._queue.get()
            try:
                async with self._session.post(url, json=alert) as resp:
                    if resp.status >= 300:
                        raise aiohttp.ClientResponseError(resp.request_info, (), status=resp.status)
                self.sent += 1
            except (aiohttp.ClientError, TimeoutError) as exc:
                self.failed += 1
                log.warning("shadow alert to the webhook failed (%s): %s", alert.get("type"), exc)
            finally:
                self._queue.task_done()
