"""The guardrail hook, the switches (metrics off, tracing off by default and on by the standard OTEL_*
variables), and that a gateway without tracing never imports OpenTelemetry nor builds a span."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from bastion.apis.openai_chat import API as CHAT
from bastion.config import parse_config
from bastion.config.observability import TelemetrySettings
from bastion.context import RequestContext
from bastion.observability.exposition import merge, render_metrics
from bastion.observability.guardrails import record_verdict
from bastion.observability.metrics import SPECS, Metrics, exported_names
from bastion.observability.record import Recorder
from bastion.observability.tracing import enabled
from bastion.server.app import build_app
from harness import ADMIN_KEY
from observability.served import samples, total


def test_guardrail_verdicts_are_counted_once_at_finish() -> None:
    metrics = Metrics()
    recorder = Recorder(metrics, max_keys=10, max_teams=10, max_models=10, known_models=[])
    ctx = RequestContext("rid-1", CHAT, {}, {})
    record_verdict(ctx, "prompt_injection", "block", seconds=0.002)
    record_verdict(ctx, "toxicity", "pass")
    record_verdict(ctx, "toxicity", "pass")
    recorder.observe(ctx)
    data = samples(render_metrics(merge([metrics.snapshot()]), None)[0].decode())
    assert total(data, "bastion_guardrail_verdicts_total", check="prompt_injection", outcome="block") == 1
    assert total(data, "bastion_guardrail_verdicts_total", check="toxicity", outcome="pass") == 2
    assert total(data, "bastion_guardrail_duration_seconds_count", check="prompt_injection") == 1
    assert total(data, "bastion_guardrail_duration_seconds_count", check="toxicity") == 0


def test_every_spec_is_exported_under_its_name() -> None:
    text = render_metrics(merge([Metrics().snapshot()]), None)[0].decode()
    for name, spec in SPECS.items():
        suffix = "_total" if spec.kind == "counter" else ""
        assert f"# TYPE {name}{suffix} {spec.kind}" in text
    assert "bastion_requests_total" in exported_names()


def test_tracing_switches() -> None:
    assert not enabled(TelemetrySettings(), {})
    assert enabled(TelemetrySettings(), {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"})
    assert enabled(TelemetrySettings(), {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:4318/v1/traces"})
    assert not enabled(TelemetrySettings(), {"OTEL_EXPORTER_OTLP_ENDPOINT": "x", "OTEL_SDK_DISABLED": "true"})
    assert not enabled(TelemetrySettings(enabled=False), {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1"})
    assert enabled(TelemetrySettings(endpoint="http://127.0.0.1:4318"), {})


def test_metrics_can_be_switched_off() -> None:
    app = build_app(parse_config({"admin_key": ADMIN_KEY, "metrics": {"enabled": False}}, env={}))
    assert "/metrics" not in {r.canonical for r in app.router.resources()}
    app = build_app(parse_config({"admin_key": ADMIN_KEY}, env={}))
    assert "/metrics" in {r.canonical for r in app.router.resources()}


def test_without_tracing_opentelemetry_is_never_imported() -> None:
    code = textwrap.dedent(f"""
        import os, sys
        for name in [k for k in os.environ if k.startswith("OTEL_")]:
            del os.environ[name]
        from bastion.config import parse_config
        from bastion.pipeline import Pipeline
        from bastion.server.app import build_app
        from bastion.server.state import STATE
        from bastion.upstream import Upstream
        app = build_app(parse_config({{"admin_key": "{ADMIN_KEY}"}}, env={{}}))
        state = app[STATE]
        assert type(state.pipeline) is Pipeline, type(state.pipeline)
        assert type(state.upstream) is Upstream, type(state.upstream)
        loaded = sorted(m for m in sys.modules if m.startswith("opentelemetry"))
        assert not loaded, loaded
        print("ok")
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr


def test_workers_snapshots_merge() -> None:
    """Counters and histograms add up across workers; gauges combine by mode (breakers: the worst; the
    audit backlog: the sum over live workers; budgets: the most recent)."""
    a, b = Metrics(), Metrics()
    for m, n in ((a, 2.0), (b, 3.0)):
        m.counters["bastion_requests"][("openai.chat", "200", "allowed", "openai", "gpt", "", "k")] = n
        m.histograms["bastion_added_latency_seconds"].observe(("openai.chat", "false"), 0.001 * n)
        m.set("bastion_audit_backlog_bytes", (), 100 * n)
    a.set("bastion_breaker_state", ("openai/gpt",), 2.0)
    b.set("bastion_breaker_state", ("openai/gpt",), 0.0)
    a.set("bastion_budget_remaining_usd", ("team", "t", "day"), 7.0)
    b.set("bastion_budget_remaining_usd", ("team", "t", "day"), 5.0)  # set later: the most recent
    dead = {**Metrics().snapshot(), "live": False}
    dead["gauges"] = {"bastion_audit_backlog_bytes": [[[], 1000.0, 0.0]]}
    data = samples(render_metrics(merge([a.snapshot(), b.snapshot(), dead]), None)[0].decode())
    assert total(data, "bastion_requests_total") == 5
    assert total(data, "bastion_added_latency_seconds_count") == 2
    assert total(data, "bastion_added_latency_seconds_sum") == 0.005
    assert total(data, "bastion_added_latency_seconds_bucket", le="0.001") == 0
    assert total(data, "bastion_added_latency_seconds_bucket", le="0.002") == 1
    assert total(data, "bastion_added_latency_seconds_bucket", le="+Inf") == 2
    assert total(data, "bastion_breaker_state") == 2
    assert total(data, "bastion_audit_backlog_bytes") == 500  # the dead worker's 1000 is not counted
    assert total(data, "bastion_budget_remaining_usd") == 5


def test_access_line_formats() -> None:
    from bastion.context import Principal
    from bastion.observability.access import AccessLog

    traceparent = "00-" + "ab" * 16 + "-" + "cd" * 8 + "-01"
    ctx = RequestContext("rid-7", CHAT, {}, {"traceparent": traceparent})
    ctx.principal = Principal("id-1", "search-backend", team="search", role=None)
    ctx.model = "gpt"
    text = AccessLog("text").line(ctx).decode()
    assert text.endswith("\n") and text.count("\n") == 1
    stamp, rest = text.split(" ", 1)
    assert stamp.endswith("Z") and "T" in stamp
    assert rest.startswith("request request_id=rid-7 trace_id=" + "ab" * 16)
    assert "key=search-backend team=search model=gpt" in rest and "decision=allowed" in rest
    assert "id-1" not in text  # the key's id is not its name; neither is key material
    line = AccessLog("json").line(ctx)
    assert line.endswith(b"\n") and b"\n" not in line[:-1]
