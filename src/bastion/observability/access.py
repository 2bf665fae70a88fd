"""One access line per request on stderr: JSON (`log_format: json`) or key=value text (`access_log: false`
turns it off).

It names who (key name and team, never key material), what (API, model, target), the outcome (status,
decision, error class), time (latency, gateway overhead, provider time), tokens and cost, and the request
and trace ids. Never prompt or answer text, and never PII: PII appears as counts by type only.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

import orjson

from bastion.context import RequestContext
from bastion.observability.labels import decision, status

TRACE_ID = "trace_id"  # annotation set by the tracing pipeline (bastion.observability.tracing)


def _trace_id(ctx: RequestContext) -> str | None:
    tid = ctx.annotations.get(TRACE_ID)
    if tid is not None:
        return str(tid)
    parent = ctx.headers.get("traceparent")  # the caller's trace, when the gateway does not trace
    if parent and len(parent) >= 55 and parent[2] == "-":
        return parent[3:35]
    return None


def fields(ctx: RequestContext) -> dict[str, Any]:
    ended = ctx.ended_ns or time.perf_counter_ns()
    p = ctx.principal
    usage = ctx.usage
    cost = ctx.annotations.get("cost")
    pii = ctx.annotations.get("pii")
    out: dict[str, Any] = {
        "msg": "request",
        "ts": round(ctx.started_at, 6),
        "request_id": ctx.request_id,
        "trace_id": _trace_id(ctx),
        "api": ctx.api.name,
        "key": p.name if p is not None else None,
        "team": p.team if p is not None else None,
        "model": ctx.model or None,
        "target": ctx.target.label if ctx.target is not None else None,
        "stream": ctx.stream,
        "status": status(ctx),
        "decision": decision(ctx),
        "error": ctx.error.error_class if ctx.error is not None else None,
        "latency_ms": round((ended - ctx.started_ns) / 1e6, 3),
        "overhead_ms": round(ctx.overhead_ms(ended), 3),
        "upstream_ms": round(ctx.upstream_ns / 1e6, 3),
        "attempts": len(ctx.attempts),
        "input_tokens": usage.input_tokens if usage is not None else None,
        "output_tokens": usage.output_tokens if usage is not None else None,
        # None: unknown (no price, or not costed), never $0
        "cost_usd": cost.get("usd") if cost is not None else None,
    }
    if pii:
        out["pii"] = {label: sum(actions.values()) for label, actions in pii.items()}
    if ctx.annotations.get("cache_hit"):
        out["cache"] = "hit"
    return out


def _text(values: dict[str, Any]) -> str:
    parts = []
    for name, value in values.items():
        if name in ("msg", "ts") or value is None:  # the line starts with the time
            continue
        shown = ",".join(f"{k}:{v}" for k, v in value.items()) if isinstance(value, dict) else value
        parts.append(f"{name}={shown}")
    return "request " + " ".join(parts)


class AccessLog:
    """Writes each line to stderr with one `write(2)`: lines from several workers never interleave (a pipe
    write up to 4 KiB is atomic), and no logging machinery runs per request (bench/observability)."""

    def __init__(self, log_format: str) -> None:
        self.json = log_format == "json"

    def line(self, ctx: RequestContext) -> bytes:
        values = fields(ctx)
        if self.json:
            return orjson.dumps(values) + b"\n"
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ctx.started_at))
        millis = int(ctx.started_at * 1000) % 1000
        return f"{stamp}.{millis:03d}Z {_text(values)}\n".encode()

    def write(self, ctx: RequestContext) -> None:
        data = self.line(ctx)
        stream = sys.stderr
        try:
            os.write(stream.fileno(), data)
        except (AttributeError, OSError, ValueError):  # no file descriptor (an embedding host's stream)
            stream.write(data.decode())
