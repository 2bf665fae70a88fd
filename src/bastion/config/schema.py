"""The configuration schema. Unknown keys are rejected everywhere, so typos fail at start-up."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, SecretStr, field_validator, model_validator

from bastion.config.audit import AuditConfig
from bastion.config.cache import CacheConfig
from bastion.config.compliance import (
    ComplianceSettings,
    ReviewSettings,
    UnknownUseCase,
    UseCase,
    unique_use_cases,
)
from bastion.config.guardrails import GuardrailsConfig
from bastion.config.hub import HubSettings
from bastion.config.limits import LimitsConfig
from bastion.config.observability import MetricsSettings, TelemetrySettings
from bastion.config.pii import PiiConfig
from bastion.config.policy import Policies, PolicySettings
from bastion.config.presets import KEYLESS_TYPES, PROVIDER_TYPES
from bastion.config.routing import RoutingConfig
from bastion.config.secret_file import read_secret_file
from bastion.config.shadow import ShadowConfig

Mode = Literal["chat", "embeddings", "responses"]


def _all_modes() -> list[Mode]:
    return ["chat", "embeddings", "responses"]


ProviderType = Literal[
    "openai",
    "azure-openai",
    "anthropic",
    "gemini",
    "demo",
    "deepseek",
    "mistral",
    "xai",
    "grok",
    "groq",
    "together",
    "ollama",
    "vllm",
    "openai-compatible",
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Timeouts(Strict):
    """Seconds. `first_byte` bounds the wait for response headers, `idle` the gap between stream chunks."""

    connect: float = Field(10.0, gt=0)
    first_byte: float = Field(120.0, gt=0)
    idle: float = Field(120.0, gt=0)
    total: float = Field(600.0, gt=0)


class ProviderConfig(Strict):
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.:-]+$")
    type: ProviderType
    base_url: str | None = None
    api_key: SecretStr | None = None
    api_key_file: str | None = Field(
        None, description="read the API key from this file (a mounted Kubernetes secret); not with api_key"
    )
    region: str | None = None
    api_version: str | None = Field(None, description="azure-openai: the api-version query parameter")
    headers: dict[str, str] = Field(default_factory=dict, description="extra headers sent upstream")
    timeouts: Timeouts = Field(default_factory=Timeouts)
    trusted: bool = Field(False, description="self-hosted or contractually trusted to receive raw PII")
    _file_key: str = PrivateAttr("")  # what api_key_file holds: in no dump, so never shown or logged

    @field_validator("base_url")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        if v is None:
            return v
        if not v.startswith(("http://", "https://")):
            raise ValueError("base_url must start with http:// or https://")
        return v.rstrip("/")

    @model_validator(mode="after")
    def _defaults(self) -> ProviderConfig:
        if self.api_key_file is not None:
            if self.api_key is not None:
                raise ValueError("api_key and api_key_file are mutually exclusive: set one of them")
            self._file_key = read_secret_file(self.api_key_file)
        if self.type == "demo":
            return self
        if self.base_url is None and PROVIDER_TYPES[self.type][1] is None:
            raise ValueError(f"base_url is required for provider type {self.type}")
        if self.type not in KEYLESS_TYPES and not self.secret():
            raise ValueError(f"api_key (or api_key_file) is required for provider type {self.type}")
        if self.type == "azure-openai" and not self.api_version:
            raise ValueError("api_version is required for provider type azure-openai")
        return self

    @property
    def wire(self) -> str:
        return PROVIDER_TYPES[self.type][0]

    @property
    def url(self) -> str:
        return self.base_url or PROVIDER_TYPES[self.type][1] or ""

    def secret(self) -> str:
        return self.api_key.get_secret_value() if self.api_key else self._file_key


class ModelEntry(Strict):
    name: str = Field(min_length=1, description="what clients send as model")
    provider: str
    model: str = Field(min_length=1, description="the provider's own model id")
    region: str | None = Field(None, description="overrides the provider's region")
    weight: float = Field(1.0, ge=0)
    priority: int = 0
    input_cost_per_mtok: float | None = Field(None, ge=0)
    output_cost_per_mtok: float | None = Field(None, ge=0)
    tags: list[str] = Field(default_factory=list)
    context_window: int | None = Field(None, gt=0, description="tokens; longer prompts route elsewhere")
    max_output_tokens: int | None = Field(None, gt=0, description="larger max_tokens route elsewhere")
    timeouts: Timeouts | None = Field(None, description="overrides the provider's timeouts for this entry")
    modes: list[Mode] = Field(default_factory=_all_modes)


class ServerSettings(Strict):
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535)
    workers: int = Field(1, ge=1, le=256)
    max_body_bytes: int = Field(10 * 1024 * 1024, gt=0)
    overhead_header: bool = True
    target_header: bool = Field(False, description="add x-bastion-target naming provider/model")
    # graceful drain on SIGTERM (docs/deployment.md)
    drain_seconds: float = Field(
        30.0, gt=0, le=3600, description="after SIGTERM, how long requests and streams in flight may run"
    )
    drain_grace_seconds: float = Field(
        1.0, ge=0, le=600, description="after SIGTERM, new connections are still accepted this long"
    )

    @model_validator(mode="after")
    def _drain(self) -> ServerSettings:
        if self.drain_grace_seconds >= self.drain_seconds:
            raise ValueError("drain_grace_seconds must be shorter than drain_seconds")
        return self


class AdminSettings(Strict):
    """A separate listener for /admin (e.g. loopback only). When `admin` is absent from the config,
    /admin is served on the main listener."""

    host: str = "127.0.0.1"
    port: int = Field(8081, ge=0, le=65535)


class IdentitySettings(Strict):
    """How quickly key changes reach every worker (seconds); see `bastion.identity.sync`."""

    poll_interval: float = Field(0.5, gt=0, le=1.0, description="version poll without Redis")
    redis_poll_interval: float = Field(5.0, gt=0, description="backstop poll when redis_url is set")
    last_used_flush: float = Field(5.0, gt=0, description="batched last_used_at writes")


class Config(Strict):
    admin_key: SecretStr | None = None
    database_url: str = "sqlite:///bastion.db"
    redis_url: str | None = None
    server: ServerSettings = Field(default_factory=ServerSettings)
    admin: AdminSettings | None = None
    identity: IdentitySettings = Field(default_factory=IdentitySettings)
    providers: list[ProviderConfig] = Field(default_factory=list)
    models: list[ModelEntry] = Field(default_factory=list)
    pii: PiiConfig = Field(default_factory=PiiConfig)
    routing: RoutingConfig = Field(default_factory=RoutingConfig)
    audit: AuditConfig = Field(default_factory=AuditConfig)
    limits: LimitsConfig = Field(default_factory=LimitsConfig)
    cache: CacheConfig = Field(default_factory=CacheConfig)
    policy: PolicySettings = Field(default_factory=PolicySettings)
    policies: Policies = Field(default_factory=list, description="inline rules (docs/policy.md)")
    use_cases: list[UseCase] = Field(default_factory=list, description="risk register (docs/compliance.md)")
    unknown_use_case: UnknownUseCase = Field("allow", description="a request naming no known use case")
    reviews: ReviewSettings = Field(default_factory=ReviewSettings)
    compliance: ComplianceSettings = Field(default_factory=ComplianceSettings)
    shadow: ShadowConfig = Field(default_factory=ShadowConfig)  # shadow-AI discovery (docs/shadow-ai.md)
    guardrails: GuardrailsConfig = Field(default_factory=GuardrailsConfig, description="docs/guardrails.md")
    # observability (docs/observability.md)
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)
    metrics_token: SecretStr | None = Field(None, description="bearer token for /metrics (besides admin_key)")
    telemetry: TelemetrySettings = Field(default_factory=TelemetrySettings)
    log_format: Literal["json", "text"] = Field("text", description="the per-request access line")
    access_log: bool = Field(True, description="one line per request on the bastion.access logger")
    hub: HubSettings = Field(default_factory=HubSettings)  # the web console (docs/hub.md)
    _source: str | None = PrivateAttr(None)  # the file read (`load_config`); a reload reads it again

    @property
    def source_path(self) -> str | None:
        """The config file this config was read from (None: built in, or from data)."""
        return self._source

    def from_file(self, path: str) -> Config:
        """This config, remembering the file it came from."""
        self._source = path
        return self

    @field_validator("database_url")
    @classmethod
    def _db(cls, v: str) -> str:
        if not v.startswith(("sqlite://", "postgresql://", "postgres://", "postgresql+asyncpg://")):
            raise ValueError("database_url must be sqlite:///PATH or postgresql://USER@HOST/DB")
        return v

    @field_validator("redis_url")
    @classmethod
    def _redis(cls, v: str | None) -> str | None:
        if v and not v.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("redis_url must be redis://HOST:PORT/DB")
        return v or None

    @field_validator("admin_key")
    @classmethod
    def _admin(cls, v: SecretStr | None) -> SecretStr | None:
        if v is not None and v.get_secret_value() == "":
            return None
        if v is not None and len(v.get_secret_value()) < 16:
            raise ValueError("admin_key must be at least 16 characters")
        return v

    @field_validator("metrics_token")
    @classmethod
    def _metrics_token(cls, v: SecretStr | None) -> SecretStr | None:
        if v is not None and v.get_secret_value() == "":
            return None
        if v is not None and len(v.get_secret_value()) < 16:
            raise ValueError("metrics_token must be at least 16 characters")
        return v

    @model_validator(mode="after")
    def _references(self) -> Config:
        names = [p.name for p in self.providers]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"duplicate provider names: {', '.join(dupes)}")
        known = set(names)
        for i, m in enumerate(self.models):
            if m.provider not in known:
                raise ValueError(f"models[{i}].provider: unknown provider {m.provider!r}")
        for name in self.pii.providers:
            if name not in known:
                raise ValueError(f"pii.providers.{name}: unknown provider {name!r}")
        self.routing.check_groups({m.name for m in self.models})
        unique_use_cases(self.use_cases)
        return self

    def provider(self, name: str) -> ProviderConfig:
        return next(p for p in self.providers if p.name == name)
