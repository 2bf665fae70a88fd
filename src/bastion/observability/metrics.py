"""Every metric the gateway exports, in one table (`SPECS`), and one worker's values (`Metrics`).

Names follow the OpenTelemetry GenAI semantic conventions where one exists (`gen_ai.client.token.usage` ->
`gen_ai_client_token_usage`, label `gen_ai.request.model` -> `gen_ai_request_model`); the gateway's own
are `bastion_*`. Values are kept per worker in plain dictionaries, updated once per request without locks
or I/O; prometheus-client renders them (text format or OpenMetrics). Under `bastion serve --workers N`
each worker also writes them to a snapshot file every `metrics.flush_interval` seconds (a per-run
directory, `bastion.observability.multiprocess`) and whichever worker answers /metrics merges them all.
`deploy/observability/` queries these names; a test checks that everything it queries is exported.
"""

from __future__ import annotations

import time
from bisect import bisect_left
from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["counter", "gauge", "histogram"]

# OTel GenAI semantic conventions' advised buckets
TOKEN_BUCKETS = (1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304)
DURATION_BUCKETS = (0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92)
TTFT_BUCKETS = (0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)
# the gateway's own time: fine-grained where it matters (sub-millisecond to tens of milliseconds)
OVERHEAD_BUCKETS = (0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)
COMMIT_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)

GENAI = ("gen_ai_system", "gen_ai_request_model")
WHO = ("team", "key")


@dataclass(frozen=True, slots=True)
class Spec:
    kind: Kind
    help: str
    labels: tuple[str, ...] = ()
    buckets: tuple[float, ...] | None = None
    # gauges: how the workers' values combine: "max", "livesum" (live workers only), "mostrecent"
    mode: str = "mostrecent"


# name -> spec: the only place a metric is declared. Counter names are given without `_total`.
SPECS: dict[str, Spec] = {
    # --- OpenTelemetry GenAI semantic conventions -------------------------------------------------
    "gen_ai_client_token_usage": Spec(
        "histogram", "Tokens used per request (gen_ai.client.token.usage), by token type (input/output)",
        (*GENAI, "gen_ai_token_type", *WHO), TOKEN_BUCKETS,
    ),
    "gen_ai_server_request_duration": Spec(
        "histogram", "Seconds from request received to response complete (gen_ai.server.request.duration)",
        (*GENAI, "gen_ai_operation_name", "error_type"), DURATION_BUCKETS,
    ),
    "gen_ai_server_time_to_first_token": Spec(
        "histogram", "Seconds to the first streamed event (gen_ai.server.time_to_first_token)",
        (*GENAI, "gen_ai_operation_name"), TTFT_BUCKETS,
    ),
    "gen_ai_client_operation_duration": Spec(
        "histogram", "Seconds spent waiting on the provider per request (gen_ai.client.operation.duration)",
        (*GENAI, "gen_ai_operation_name"), DURATION_BUCKETS,
    ),
    # --- traffic -----------------------------------------------------------------------------------
    "bastion_requests": Spec(
        "counter", "Requests by client API, HTTP status and decision",
        ("api", "status", "decision", *GENAI, *WHO),
    ),
    "bastion_added_latency_seconds": Spec(
        "histogram", "Gateway time per request without the provider's (as x-bastion-overhead-ms)",
        ("api", "streamed"), OVERHEAD_BUCKETS,
    ),
    # --- decisions -----------------------------------------------------------------------------------
    "bastion_policy_decisions": Spec(
        "counter", "Policy rule matches by rule id, action and mode (enforce/shadow/response)",
        ("rule", "action", "mode"),
    ),
    "bastion_pii_replaced": Spec(
        "counter", "PII values found, by type, action (pseudonymize/mask/block/flag) and direction",
        ("type", "action", "direction"),
    ),
    "bastion_guardrail_verdicts": Spec(
        "counter", "Guardrail verdicts by check and outcome (see bastion.observability.guardrails)",
        ("check", "outcome"),
    ),
    "bastion_guardrail_duration_seconds": Spec(
        "histogram", "Seconds a guardrail check took", ("check",), OVERHEAD_BUCKETS,
    ),
    "bastion_cache_lookups": Spec(
        "counter", "Response cache lookups by result (hit, miss, bypass)", ("result", "gen_ai_request_model"),
    ),
    "bastion_rate_limit_rejections": Spec("counter", "Requests refused by a rate limit (429)", WHO),
    "bastion_budget_rejections": Spec("counter", "Requests refused by an exhausted budget (402)", WHO),
    "bastion_spend_usd": Spec(
        "counter", "Provider spend in US dollars (known prices only)", ("team", *GENAI),
    ),
    "bastion_spend_unknown": Spec(
        "counter", "Requests whose cost is unknown (no price configured): never counted as $0",
        ("team", *GENAI),
    ),
    "bastion_budget_remaining_usd": Spec(
        "gauge", "Budget left in the current period, at the last admission", ("scope", "name", "period"),
    ),
    "bastion_budget_limit_usd": Spec(
        "gauge", "Budget of the current period", ("scope", "name", "period"),
    ),
    # --- routing -----------------------------------------------------------------------------------
    "bastion_upstream_attempts": Spec(
        "counter", "Provider attempts by target and outcome (ok or the error class)", ("target", "outcome"),
    ),
    "bastion_upstream_retries": Spec("counter", "Attempts repeating an already tried target", ("target",)),
    "bastion_upstream_failovers": Spec(
        "counter", "Attempts moving on to another target after a failure (labelled by the new target)",
        ("target",),
    ),
    "bastion_breaker_state": Spec(
        "gauge", "Circuit breaker per target: 0 closed, 1 half-open, 2 open (worst across workers)",
        ("target",), mode="max",
    ),
    # --- audit and configuration -------------------------------------------------------------------
    "bastion_audit_backlog_bytes": Spec(
        "gauge", "Audit journal bytes waiting for the database (all workers)", (), mode="livesum",
    ),
    "bastion_audit_backlog_records": Spec(
        "gauge", "Audit records waiting for the database (all workers)", (), mode="livesum",
    ),
    "bastion_audit_commit_seconds": Spec("histogram", "Seconds per audit batch commit", (), COMMIT_BUCKETS),
    "bastion_config_info": Spec(
        "gauge", "The configuration in force (1), by content hash and gateway version", ("hash", "version"),
        mode="max",
    ),
    "bastion_policy_version": Spec("gauge", "Version of the policy set in force", (), mode="max"),
}


class Histogram:
    """One histogram's rows by label tuple: a count per bucket (the last one +Inf), then the sum."""

    __slots__ = ("bounds", "rows", "width")

    def __init__(self, bounds: tuple[float, ...]) -> None:
        self.bounds = bounds
        self.width = len(bounds) + 2
        self.rows: dict[tuple[str, ...], list[float]] = {}

    def observe(self, labels: tuple[str, ...], value: float) -> None:
        row = self.rows.get(labels)
        if row is None:
            row = self.rows[labels] = [0.0] * self.width
        row[bisect_left(self.bounds, value)] += 1  # the first bucket whose bound is >= value
        row[-1] += value


class Metrics:
    """One worker's metric values: plain dictionaries updated per request on the event loop (no locks, no
    I/O). Counters: label tuple -> value; histograms: `Histogram`; gauges: label tuple -> (value, time).
    `bastion.observability.exposition` renders them, merged with the other workers' snapshots."""

    def __init__(self) -> None:
        self.changes = 0  # bumped per recorded request: an idle worker skips writing its snapshot
        self.counters: dict[str, dict[tuple[str, ...], float]] = {}
        self.histograms: dict[str, Histogram] = {}
        self.gauges: dict[str, dict[tuple[str, ...], tuple[float, float]]] = {}
        for name, spec in SPECS.items():
            if spec.kind == "counter":
                self.counters[name] = {}
            elif spec.kind == "histogram":
                self.histograms[name] = Histogram(tuple(spec.buckets or ()))
            else:
                self.gauges[name] = {}

    def set(self, name: str, labels: tuple[str, ...], value: float) -> None:
        gauge = self.gauges[name]
        old = gauge.get(labels)
        if old is None or old[0] != value:
            self.changes += 1
        gauge[labels] = (value, time.time())

    def snapshot(self) -> dict[str, Any]:
        """Everything, as JSON-ready lists (what a worker writes for the others to merge)."""
        return {
            "counters": {n: [[list(k), v] for k, v in d.items()] for n, d in self.counters.items() if d},
            "histograms": {
                n: [[list(k), r] for k, r in h.rows.items()] for n, h in self.histograms.items() if h.rows
            },
            "gauges": {n: [[list(k), v, t] for k, (v, t) in d.items()] for n, d in self.gauges.items() if d},
        }


def exported_names() -> set[str]:
    """Every series name a scrape can contain (with `_total`, `_bucket`, `_sum`, `_count` suffixes)."""
    out: set[str] = set()
    for name, spec in SPECS.items():
        if spec.kind == "counter":
            out.add(name + "_total")
        elif spec.kind == "histogram":
            out |= {name + "_bucket", name + "_sum", name + "_count"}
        else:
            out.add(name)
    return out
