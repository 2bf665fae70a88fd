"""The observability settings: `metrics:` (Prometheus), `metrics_token`, `telemetry:` (OpenTelemetry traces)
and `log_format` (the access line). See docs/observability.md."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MetricsSettings(_Strict):
    """`GET /metrics`. Without `port` it is served on the main listener (admin key or `metrics_token`);
    with `port` it gets its own listener (e.g. `host: 0.0.0.0` for in-cluster scrapers)."""

    enabled: bool = True
    host: str = "127.0.0.1"
    port: int | None = Field(None, ge=0, le=65535, description="a separate listener for /metrics")
    max_keys: int = Field(100, ge=0, description="key names above this count are labelled `other`")
    max_teams: int = Field(50, ge=0, description="team names above this count are labelled `other`")
    max_models: int = Field(200, ge=0, description="model names above this count are labelled `other`")
    flush_interval: float = Field(
        1.0, gt=0, le=60,
        description="seconds between a worker's snapshots (what other workers' scrapes see) and samples "
        "of breaker states, audit backlog and versions",
    )


class TelemetrySettings(_Strict):
    """OpenTelemetry traces, exported with OTLP/HTTP. Off unless `enabled: true` here or
    OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set (the standard OTEL_* variables
    apply: headers, service name, resource attributes, sampler)."""

    enabled: bool | None = Field(None, description="None: on when an OTLP endpoint variable is set")
    endpoint: str | None = Field(None, description="OTLP/HTTP base URL, e.g. http://127.0.0.1:4318")
    service_name: str | None = Field(None, description="default: OTEL_SERVICE_NAME or `bastion`")
    sample_ratio: float | None = Field(
        None, ge=0, le=1, description="parent-based ratio sampling; default: OTEL_TRACES_SAMPLER or always on"
    )
    capture_content: bool = Field(
        False, description="add prompt and answer text (after PII protection, never originals) to spans"
    )
    headers: dict[str, str] = Field(default_factory=dict, description="sent with every export")

    @model_validator(mode="after")
    def _endpoint(self) -> TelemetrySettings:
        if self.endpoint is not None and not self.endpoint.startswith(("http://", "https://")):
            raise ValueError("telemetry.endpoint must start with http:// or https://")
        return self
