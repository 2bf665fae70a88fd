"""The `shadow:` section: shadow-AI discovery (docs/shadow-ai.md). Log scans need no configuration; the
gateway stores what log shippers, the syslog listener and its own signals report."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

LogFormat = Literal["auto", "squid", "zscaler", "dns", "zeek", "csv"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ShadowSyslog(_Strict):
    """A syslog listener started with the gateway; each message carries one log line of `format`."""

    host: str = "127.0.0.1"
    port: int = Field(5514, ge=0, le=65535)
    protocol: Literal["udp", "tcp"] = "udp"
    format: LogFormat = Field("auto", description="auto: each message's line is sniffed")
    columns: dict[str, str] = Field(default_factory=dict, description="format csv: field -> column index")
    max_message_bytes: int = Field(64 * 1024, ge=512, description="longer TCP lines are dropped (counted)")

    @model_validator(mode="after")
    def _columns(self) -> ShadowSyslog:
        if self.format == "csv":
            from bastion.shadow.formats.csvmap import parse_columns

            if not self.columns:
                raise ValueError("format csv needs columns (e.g. {user: login, host: url})")
            parse_columns(self.columns)  # raises naming the bad field
        return self


class ShadowAlerts(_Strict):
    webhook_url: str | None = Field(None, description="POSTed a JSON alert; None: no alerts")
    large_upload_bytes: int | None = Field(None, gt=0, description="one request uploading this much alerts")
    new_unsanctioned: bool = Field(True, description="alert the first time an unsanctioned service appears")
    timeout: float = Field(5.0, gt=0)

    @field_validator("webhook_url")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        if v and not v.startswith(("http://", "https://")):
            raise ValueError("webhook_url must start with http:// or https://")
        return v or None


class ShadowConfig(_Strict):
    enabled: bool = Field(True, description="the /admin/shadow API, the gateway's own signals, storage")
    catalogue_extra: str | None = Field(None, description="YAML/JSON file of services added or overridden")
    sanctioned: list[str] = Field(default_factory=list, description="service ids or domains also approved")
    gateway_signals: bool = Field(True, description="record provider-shaped keys and keys found in prompts")
    pseudonymize_users: bool = Field(False, description="store users as a keyed hash (pseudonym_key)")
    pseudonym_key: SecretStr | None = None
    retention_days: int = Field(180, ge=1, description="daily rows older than this are deleted")
    max_batch_bytes: int = Field(8 * 1024 * 1024, gt=0, description="POST /admin/shadow/events body limit")
    flush_interval: float = Field(2.0, gt=0, description="seconds between writes of syslog/gateway events")
    syslog: ShadowSyslog | None = None
    alerts: ShadowAlerts = Field(default_factory=ShadowAlerts)

    @model_validator(mode="after")
    def _catalogue(self) -> ShadowConfig:
        """An unreadable extra catalogue or an unknown sanctioned entry fails at start-up and check-config."""
        if self.catalogue_extra or self.sanctioned:
            from bastion.shadow.catalogue import Catalogue

            extra = [self.catalogue_extra] if self.catalogue_extra else []
            Catalogue.build(extra, sanctioned=self.sanctioned)
        return self

    @model_validator(mode="after")
    def _key(self) -> ShadowConfig:
        if self.pseudonymize_users:
            key = self.pseudonym_key.get_secret_value() if self.pseudonym_key else ""
            if len(key) < 16:
                raise ValueError("pseudonymize_users needs pseudonym_key (at least 16 characters)")
        return self
