"""`GET /metrics`: the Prometheus text format, or OpenMetrics when the scraper's `Accept` asks for it.

Under `--workers N` (BASTION_METRICS_DIR set by `bastion serve`) the answering worker merges its own
values with the other workers' latest snapshots (`bastion.observability.multiprocess`), so whichever
worker answers reports the whole gateway: counters and histograms are summed, gauges combined by their
spec's mode. On the main listener /metrics needs `Authorization: Bearer <admin_key or metrics_token>`; on
its own listener (`metrics: {host, port}`) only when `metrics_token` is set.
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from aiohttp import web
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector, CollectorRegistry

from bastion.errors import Unauthorized, openai_body
from bastion.observability.metrics import SPECS, Metrics
from bastion.observability.multiprocess import Snapshots

Merged = dict[str, Any]


def merge(snapshots: list[dict[str, Any]]) -> Merged:
    """Workers' snapshots (`Metrics.snapshot`, plus "live": False for a worker that is gone) merged:
    counters and histogram rows summed, gauges combined by their spec's mode."""
    counters: dict[str, dict[tuple[str, ...], float]] = {}
    rows: dict[str, dict[tuple[str, ...], list[float]]] = {}
    gauges: dict[str, dict[tuple[str, ...], list[tuple[float, float, bool]]]] = {}
    for snap in snapshots:
        live = bool(snap.get("live", True))
        for name, items in snap.get("counters", {}).items():
            target = counters.setdefault(name, {})
            for labels, value in items:
                key = tuple(labels)
                target[key] = target.get(key, 0.0) + value
        for name, items in snap.get("histograms", {}).items():
            hist = rows.setdefault(name, {})
            for labels, row in items:
                key = tuple(labels)
                mine = hist.get(key)
                if mine is None:
                    hist[key] = list(row)
                elif len(mine) == len(row):  # (a different bucket layout: another version's snapshot)
                    hist[key] = [a + b for a, b in zip(mine, row, strict=True)]
        for name, items in snap.get("gauges", {}).items():
            per = gauges.setdefault(name, {})
            for labels, value, stamp in items:
                per.setdefault(tuple(labels), []).append((value, stamp, live))
    combined: dict[str, dict[tuple[str, ...], float]] = {}
    for name, per in gauges.items():
        mode = SPECS[name].mode if name in SPECS else "mostrecent"
        out = combined[name] = {}
        for key, values in per.items():
            if mode == "max":
                out[key] = max(v for v, _, _ in values)
            elif mode == "livesum":
                out[key] = sum(v for v, _, live in values if live)
            else:
                out[key] = max(values, key=lambda x: x[1])[0]
    return {"counters": counters, "histograms": rows, "gauges": combined}


class _Families(Collector):
    """Renders a merged view as metric families, in `SPECS` order."""

    def __init__(self, merged: Merged) -> None:
        self.merged = merged

    def collect(self) -> Iterator[Metric]:
        for name, spec in SPECS.items():
            labels = list(spec.labels)
            if spec.kind == "counter":
                family: Metric = CounterMetricFamily(name, spec.help, labels=labels)
                for key, value in self.merged["counters"].get(name, {}).items():
                    family.add_metric(list(key), value)  # type: ignore[attr-defined]
            elif spec.kind == "histogram":
                family = HistogramMetricFamily(name, spec.help, labels=labels)
                bounds = [*(_le(b) for b in spec.buckets or ()), "+Inf"]
                for key, row in self.merged["histograms"].get(name, {}).items():
                    cumulative, running = [], 0.0
                    for bound, count in zip(bounds, row[:-1], strict=True):
                        running += count
                        cumulative.append((bound, running))
                    family.add_metric(list(key), cumulative, row[-1])
            else:
                family = GaugeMetricFamily(name, spec.help, labels=labels)
                for key, value in self.merged["gauges"].get(name, {}).items():
                    family.add_metric(list(key), value)
            yield family


def _le(bound: float) -> str:
    return repr(float(bound))


def render_metrics(merged: Merged, accept: str | None) -> tuple[bytes, str]:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Families(merged))
    encoder, content_type = choose_encoder(accept or "")
    return encoder(registry), content_type


class Exposition:
    def __init__(self, metrics: Metrics, tokens: list[str], before: Callable[[], None],
                 snapshots: Snapshots | None) -> None:  # fmt: skip
        self.metrics = metrics
        self.tokens = [t.encode() for t in tokens if t]
        self.before = before  # refreshes this worker's sampled gauges
        self.snapshots = snapshots

    def allowed(self, request: web.Request) -> bool:
        if not self.tokens:
            return True
        given = request.headers.get("Authorization", "")
        scheme, _, token = given.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return False
        raw = token.strip().encode()
        return any(hmac.compare_digest(raw, t) for t in self.tokens)

    def _render(self, own: dict[str, Any], accept: str | None) -> tuple[bytes, str]:
        others = self.snapshots.read_others() if self.snapshots is not None else []
        return render_metrics(merge([own, *others]), accept)

    async def handle(self, request: web.Request) -> web.Response:
        if not self.allowed(request):
            err = Unauthorized("metrics need 'Authorization: Bearer <admin key or metrics_token>'")
            return web.Response(
                body=openai_body(err), status=401, content_type="application/json",
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )  # fmt: skip
        self.before()
        own = self.metrics.snapshot()  # a copy, taken on the loop; merging and rendering run in a thread
        body, ctype = await asyncio.to_thread(self._render, own, request.headers.get("Accept"))
        return web.Response(body=body, headers={"Content-Type": ctype})


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def start_listener(handler: Handler, host: str, port: int) -> tuple[web.AppRunner, int]:
    """The separate /metrics listener; SO_REUSEPORT so every worker binds it (any may answer)."""
    app = web.Application()
    app.router.add_get("/metrics", handler)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port, reuse_port=True)
    await site.start()
    sockets = getattr(site._server, "sockets", None) or []
    bound = sockets[0].getsockname()[1] if sockets else port
    return runner, bound
