"""Observability: Prometheus metrics (`GET /metrics`), OpenTelemetry traces and the access line.

Built once per app by the composition root (`bastion.server.app`), which asks it for the pipeline (the
plain one, or the traced one when tracing is on), the upstream client, and its routes. Per request, all
metrics and the access line are recorded at one point: the observer stage's `finish`, the last in the
pipeline. See docs/observability.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bastion import __version__
from bastion.config.schema import Config
from bastion.context import RequestContext
from bastion.observability.access import AccessLog
from bastion.observability.exposition import Exposition, start_listener
from bastion.observability.metrics import Metrics
from bastion.observability.multiprocess import Snapshots
from bastion.observability.record import Recorder
from bastion.observability.tracing import enabled as tracing_enabled
from bastion.pipeline import Pipeline, Stage
from bastion.upstream import Upstream

if TYPE_CHECKING:
    from bastion.observability.tracing import Tracing
    from bastion.server.state import GatewayState

log = logging.getLogger("bastion.observability")

__all__ = ["Observability"]


class ObserveStage:
    """The last stage: only `finish`, which records the finished request (metrics, access line)."""

    name = "observe"
    active = False  # nothing to do in `run`

    def __init__(self, recorder: Recorder | None, access: AccessLog | None) -> None:
        self.recorder = recorder
        self.access = access

    async def run(self, ctx: RequestContext) -> None:  # pragma: no cover - never awaited (inactive)
        return None

    async def finish(self, ctx: RequestContext) -> None:
        if self.recorder is not None:
            self.recorder.observe(ctx)
        if self.access is not None:
            self.access.write(ctx)


def config_hash(config: Config) -> str:
    """A short digest of the configuration in force (secrets included only as their digest)."""
    dumped = config.model_dump_json(exclude={"admin_key", "metrics_token"})
    return hashlib.sha256(dumped.encode()).hexdigest()[:12]


class Observability:
    def __init__(self, config: Config) -> None:
        self.config = config
        settings = config.metrics
        self.metrics: Metrics | None = Metrics() if settings.enabled else None
        self.recorder: Recorder | None = None
        if self.metrics is not None:
            self.recorder = Recorder(
                self.metrics, max_keys=settings.max_keys, max_teams=settings.max_teams,
                max_models=settings.max_models, known_models=[m.name for m in config.models],
            )
        self.access = AccessLog(config.log_format) if config.access_log else None
        self.tracing: Tracing | None = None
        if tracing_enabled(config.telemetry):
            from bastion.observability.tracing import Tracing

            self.tracing = Tracing(config.telemetry)
        self.state: GatewayState | None = None
        self._task: asyncio.Task[None] | None = None
        self._written = -1  # `metrics.changes` at the last snapshot
        self._runner: web.AppRunner | None = None
        self.port: int | None = None  # the separate /metrics listener's port, when configured
        self.exposition: Exposition | None = None
        self.snapshots: Snapshots | None = None  # under --workers N: this worker's file for the others
        self.hash = config_hash(config)

    # --- composition ----------------------------------------------------------------------------
    def pipeline(self, stages: Sequence[Stage]) -> Pipeline:
        stages = [*stages, ObserveStage(self.recorder, self.access)]
        if self.tracing is not None:
            from bastion.observability.tracing import TracedPipeline

            return TracedPipeline(stages, self.tracing)
        return Pipeline(stages)

    def upstream(self) -> Upstream:
        if self.tracing is not None:
            from bastion.observability.tracing import TracedUpstream

            return TracedUpstream(self.tracing)
        return Upstream()

    def add_routes(self, app: web.Application) -> None:
        if self.metrics is None:
            return
        admin = self.config.admin_key.get_secret_value() if self.config.admin_key else ""
        token = self.config.metrics_token.get_secret_value() if self.config.metrics_token else ""
        own = self.config.metrics.port is not None
        # own listener: open unless a metrics_token is set (the admin key then works too)
        tokens = ([token, admin] if token else []) if own else [admin, token]
        self.exposition = Exposition(self.metrics, tokens, self.refresh, self.snapshots)
        if not own:
            app.router.add_get("/metrics", self.exposition.handle)

    # --- lifecycle --------------------------------------------------------------------------------
    async def start(self, state: GatewayState) -> None:
        self.state = state
        if self.metrics is None:
            return
        if state.audit is not None and self.recorder is not None:
            state.audit.writer.on_commit = self.recorder.audit_commit
        self.snapshots = Snapshots.from_env()
        if self.exposition is not None:
            self.exposition.snapshots = self.snapshots
        self.refresh()
        self._task = asyncio.create_task(self._flush(), name="metrics-flush")
        settings = self.config.metrics
        if settings.port is not None and self.exposition is not None:
            handle = self.exposition.handle
            self._runner, self.port = await start_listener(handle, settings.host, settings.port)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
            self._write()  # the final values, for the workers still running
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self.tracing is not None:
            await asyncio.to_thread(self.tracing.shutdown)

    async def _flush(self) -> None:
        interval = self.config.metrics.flush_interval
        while True:
            await asyncio.sleep(interval)
            try:
                self.refresh()
                self._write()
            except Exception:
                log.exception("could not sample or write this worker's metrics")

    def _write(self) -> None:
        metrics = self.metrics
        if self.snapshots is None or metrics is None or metrics.changes == self._written:
            return  # nothing new since the last snapshot
        self._written = metrics.changes
        self.snapshots.write(metrics.snapshot())

    def refresh(self) -> None:
        """This worker's sampled gauges: breaker states, audit backlog, configuration and policy version."""
        state, metrics, recorder = self.state, self.metrics, self.recorder
        if state is None or metrics is None or recorder is None:
            return
        for target in state.models.all_states():
            recorder.breaker_state(target.label, target.breaker.state)
        if state.audit is not None:
            writer = state.audit.writer
            metrics.set("bastion_audit_backlog_bytes", (), float(writer.backlog_bytes))
            metrics.set("bastion_audit_backlog_records", (), float(len(writer.pending)))
        metrics.set("bastion_config_info", (self.hash, __version__), 1.0)
        if state.policy is not None:
            metrics.set("bastion_policy_version", (), _policy_version(state.policy))


def _policy_version(policy: Any) -> float:
    active = getattr(policy, "active", None)
    version = getattr(active, "version", 0)
    return float(version or 0)
