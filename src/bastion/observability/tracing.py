"""OpenTelemetry traces, exported with OTLP/HTTP: one SERVER span per request, a child per pipeline stage
and a CLIENT span per upstream attempt (whose W3C `traceparent` goes to the provider). The client's
`traceparent` is the parent of the request span.

Off unless configured (`telemetry.enabled`, `telemetry.endpoint`, or OTEL_EXPORTER_OTLP_ENDPOINT /
OTEL_EXPORTER_OTLP_TRACES_ENDPOINT): then the plain `Pipeline` and `Upstream` are used, the OpenTelemetry
packages are never imported and no span object exists. Spans carry GenAI attributes, never prompt or
answer text unless `telemetry.capture_content` is on, and never PII originals (see `_content`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from bastion import __version__
from bastion.config.observability import TelemetrySettings
from bastion.config.schema import ProviderConfig
from bastion.context import RequestContext
from bastion.errors import GatewayError
from bastion.observability.access import TRACE_ID
from bastion.observability.labels import GEN_AI_SYSTEM, decision, status
from bastion.pipeline import Pipeline, Stage
from bastion.providers.base import UpstreamRequest
from bastion.upstream import Upstream, UpstreamResponse

_SPAN = "_otel_span"  # annotation: the request's span (not part of any record)
ENDPOINT_VARS = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")


def enabled(settings: TelemetrySettings, env: Mapping[str, str] = os.environ) -> bool:
    if settings.enabled is not None:
        return settings.enabled
    if env.get("OTEL_SDK_DISABLED", "").lower() == "true":
        return False
    return settings.endpoint is not None or any(env.get(v) for v in ENDPOINT_VARS)


class Tracing:
    """The tracer provider of one app (never installed as the process-wide global)."""

    def __init__(self, settings: TelemetrySettings, env: Mapping[str, str] = os.environ) -> None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.propagators.textmap import DefaultGetter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
        from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased
        from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

        self.settings = settings
        attributes: dict[str, Any] = {"service.version": __version__}
        if settings.service_name or not env.get("OTEL_SERVICE_NAME"):
            attributes["service.name"] = settings.service_name or "bastion"
        ratio = settings.sample_ratio
        sampler = ParentBased(TraceIdRatioBased(ratio)) if ratio is not None else None
        self.provider = TracerProvider(resource=Resource.create(attributes), sampler=sampler)
        endpoint = settings.endpoint.rstrip("/") + "/v1/traces" if settings.endpoint else None
        exporter = OTLPSpanExporter(endpoint=endpoint, headers=settings.headers or None)
        # a request makes ~13 spans: the SDK's default queue (2,048) would drop spans above ~150 req/s
        # between exports; the standard OTEL_BSP_* variables still win
        self.provider.add_span_processor(BatchSpanProcessor(
            exporter,
            max_queue_size=None if env.get("OTEL_BSP_MAX_QUEUE_SIZE") else 65536,
            schedule_delay_millis=None if env.get("OTEL_BSP_SCHEDULE_DELAY") else 1000,
            max_export_batch_size=None if env.get("OTEL_BSP_MAX_EXPORT_BATCH_SIZE") else 4096,
        ))  # fmt: skip
        self.tracer = self.provider.get_tracer("bastion", __version__)
        self.propagator = TraceContextTextMapPropagator()
        self.getter = DefaultGetter()

    def shutdown(self) -> None:
        self.provider.shutdown()  # exports what is buffered

    def flush(self) -> None:
        self.provider.force_flush()


def _epoch_ns(ctx: RequestContext, perf_ns: int) -> int:
    return int(ctx.started_at * 1e9) + (perf_ns - ctx.started_ns)


class TracedPipeline(Pipeline):
    """The pipeline with a span around the request and each stage (used only when tracing is on)."""

    __slots__ = ("tracing",)

    def __init__(self, stages: Sequence[Stage], tracing: Tracing) -> None:
        super().__init__(stages)
        self.tracing = tracing

    async def run(self, ctx: RequestContext) -> None:
        from opentelemetry import context, trace

        t = self.tracing
        parent = t.propagator.extract(ctx.headers, getter=t.getter)
        span = t.tracer.start_span(
            ctx.api.operation, context=parent, kind=trace.SpanKind.SERVER,
            start_time=int(ctx.started_at * 1e9),
            record_exception=False, set_status_on_exception=False,
        )
        ctx.annotations[_SPAN] = span
        span_context = span.get_span_context()
        if span_context.is_valid:
            ctx.annotations[TRACE_ID] = format(span_context.trace_id, "032x")
        token = context.attach(trace.set_span_in_context(span, parent))
        try:
            if not span.is_recording():  # sampled out: no stage spans (the trace context still propagates)
                for stage in self._runners:
                    await stage.run(ctx)
                return
            for stage in self._runners:
                with t.tracer.start_as_current_span(
                    f"bastion.{stage.name}", record_exception=False, set_status_on_exception=False
                ) as child:
                    try:
                        await stage.run(ctx)
                    except GatewayError as err:
                        child.set_attribute("error.type", err.error_class)
                        child.set_status(trace.StatusCode.ERROR)
                        raise
        finally:
            context.detach(token)

    async def finish(self, ctx: RequestContext) -> None:
        await super().finish(ctx)
        span = ctx.annotations.get(_SPAN)
        if span is None:
            return
        if span.is_recording():
            _request_attributes(span, ctx, self.tracing.settings.capture_content)
        span.end(end_time=_epoch_ns(ctx, ctx.ended_ns) if ctx.ended_ns else None)


def _request_attributes(span: Any, ctx: RequestContext, capture: bool) -> None:
    from opentelemetry import trace

    model = ctx.model
    span.update_name(f"{ctx.api.operation} {model}" if model else ctx.api.operation)
    attrs: dict[str, Any] = {
        "gen_ai.operation.name": ctx.api.operation,
        "bastion.request_id": ctx.request_id,
        "bastion.api": ctx.api.name,
        "bastion.decision": decision(ctx),
        "http.response.status_code": status(ctx),
        "bastion.stream": ctx.stream,
        "bastion.overhead_ms": round(ctx.overhead_ms(ctx.ended_ns), 3),
        "bastion.attempts": len(ctx.attempts),
    }
    if model:
        attrs["gen_ai.request.model"] = model
    p = ctx.principal
    if p is not None:
        attrs["bastion.key"] = p.name
        if p.team:
            attrs["bastion.team"] = p.team
    target = ctx.target
    if target is not None:
        attrs["gen_ai.system"] = GEN_AI_SYSTEM.get(target.provider.type, target.provider.type)
        attrs["bastion.target"] = target.label
        answered = ctx.response.get("model") if isinstance(ctx.response, dict) else None
        attrs["gen_ai.response.model"] = answered if isinstance(answered, str) else target.entry.model
    if isinstance(ctx.response, dict):
        rid = ctx.response.get("id")
        if isinstance(rid, str):
            attrs["gen_ai.response.id"] = rid
    usage = ctx.usage
    if usage is not None:
        if usage.input_tokens is not None:
            attrs["gen_ai.usage.input_tokens"] = usage.input_tokens
        if usage.output_tokens is not None:
            attrs["gen_ai.usage.output_tokens"] = usage.output_tokens
    body = ctx.body
    for name, attr in (("temperature", "gen_ai.request.temperature"), ("top_p", "gen_ai.request.top_p"),
                       ("max_tokens", "gen_ai.request.max_tokens")):  # fmt: skip
        value = body.get(name) if isinstance(body, dict) else None
        if isinstance(value, int | float) and not isinstance(value, bool):
            attrs[attr] = value
    cost = ctx.annotations.get("cost")
    if cost is not None and cost.get("usd") is not None:
        attrs["bastion.cost_usd"] = cost["usd"]
    pii = ctx.annotations.get("pii")
    if pii:
        attrs["bastion.pii.types"] = sorted(pii)
        attrs["bastion.pii.replaced"] = sum(sum(a.values()) for a in pii.values())
    policy = ctx.annotations.get("policy")
    if policy:
        attrs["bastion.policy.action"] = policy.get("action", "none")
        rules = [h["id"] for h in policy.get("matched", ())]
        if rules:
            attrs["bastion.policy.rules"] = rules
    if ctx.error is not None:
        attrs["error.type"] = ctx.error.error_class
        span.set_status(trace.StatusCode.ERROR)
    if capture:
        attrs.update(_content(ctx))
    span.set_attributes(attrs)
    from bastion.observability.guardrails import VERDICTS

    for check, outcome, seconds in ctx.annotations.get(VERDICTS, ()):
        event = {"bastion.guardrail.check": check, "bastion.guardrail.outcome": outcome}
        if seconds is not None:
            event["bastion.guardrail.seconds"] = seconds
        span.add_event("bastion.guardrail", event)


def _content(ctx: RequestContext) -> dict[str, str]:
    """Prompt and answer text, only as the provider saw it (PII already pseudonymised or masked). Omitted
    when a PII value was only flagged (it is still in the text) and, for the answer, whenever the request or
    answer held PII (the answer has been restored to the originals by then)."""
    pii = ctx.annotations.get("pii") or {}
    flagged = any("flag" in actions for actions in pii.values())
    out: dict[str, str] = {}
    if flagged:
        out["bastion.content_omitted"] = "pii"
        return out
    body = ctx.body if isinstance(ctx.body, dict) else {}
    messages = body.get("messages", body.get("input"))
    if messages is not None:
        out["gen_ai.input.messages"] = orjson.dumps(messages).decode()[:65536]
    if pii or ctx.annotations.get("pii_response"):
        out["bastion.content_omitted"] = "pii"
    elif isinstance(ctx.response, dict):
        answer = ctx.response.get("choices", ctx.response.get("content", ctx.response.get("output")))
        if answer is not None:
            out["gen_ai.output.messages"] = orjson.dumps(answer).decode()[:65536]
    return out


class TracedUpstream(Upstream):
    """The upstream client with a CLIENT span per attempt, its context sent as W3C `traceparent`."""

    def __init__(self, tracing: Tracing) -> None:
        super().__init__()
        self.tracing = tracing

    async def send(self, provider: ProviderConfig, req: UpstreamRequest, stream: bool) -> UpstreamResponse:
        from opentelemetry import trace

        t = self.tracing
        if not trace.get_current_span().is_recording():  # sampled out: pass the trace context on as is
            headers = dict(req.headers)
            t.propagator.inject(headers)
            req.headers = headers
            return await super().send(provider, req, stream)
        span = t.tracer.start_span(
            f"upstream {provider.name}", kind=trace.SpanKind.CLIENT,
            record_exception=False, set_status_on_exception=False,
        )
        try:
            if span.is_recording():
                span.set_attributes({
                    "gen_ai.system": GEN_AI_SYSTEM.get(provider.type, provider.type),
                    "bastion.provider": provider.name,
                    "server.address": _host(req.url),
                    "bastion.stream": stream,
                })
            headers = dict(req.headers)
            t.propagator.inject(headers, context=trace.set_span_in_context(span))
            req.headers = headers
            resp = await super().send(provider, req, stream)
            span.set_attribute("http.response.status_code", resp.status)
            if resp.status >= 400:
                span.set_attribute("error.type", str(resp.status))
                span.set_status(trace.StatusCode.ERROR)
            return resp
        except GatewayError as err:
            span.set_attribute("error.type", err.error_class)
            span.set_status(trace.StatusCode.ERROR)
            raise
        finally:
            span.end()


def _host(url: str) -> str:
    rest = url.split("://", 1)[-1]
    return rest.split("/", 1)[0]
