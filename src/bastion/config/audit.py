"""The `audit:` section: where records go, how often checkpoints are signed, what content is kept."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

ContentRetention = Literal["none", "redacted", "encrypted"]
JournalFull = Literal["reject", "serve"]


class AuditConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(True, description="write one audit record per interaction and admin change")
    dir: str | None = Field(
        None,
        description="journal and generated keys; default `<sqlite file>.audit/`, else `./bastion-audit/`",
    )
    checkpoint_every: int = Field(1000, ge=1, description="sign a checkpoint after this many records")
    checkpoint_seconds: float = Field(60.0, gt=0, description="... or after this many seconds")
    signing_key: SecretStr | None = Field(
        None,
        description="base64 Ed25519 private key (32 bytes); env BASTION_AUDIT_SIGNING_KEY; else generated",
    )
    public_keys: list[str] = Field(
        default_factory=list, description="extra trusted checkpoint keys (base64), e.g. after a rotation"
    )
    checkpoint_file: str | None = Field(None, description="also append each checkpoint (JSONL) here")
    retention_days: int = Field(
        184, ge=1, description="records older than this are pruned (whole epochs); 184 days: any six months"
    )
    content: ContentRetention = Field("none", description="content kept by default")
    teams: dict[str, ContentRetention] = Field(default_factory=dict, description="content retention per team")
    content_key: SecretStr | None = Field(
        None, description="base64 32-byte key wrapping the per-team data keys; else generated in `dir`"
    )
    client_ip: Literal["full", "truncate", "hash", "drop"] = Field(
        "truncate", description="IPv4 /24, IPv6 /48; hash: keyed HMAC"
    )
    hash_key: SecretStr | None = Field(
        None, description="HMAC key for prompt/response/IP hashes; else generated in `dir`"
    )
    batch_max: int = Field(1000, ge=1, description="records per database transaction (group commit)")
    flush_interval: float = Field(0.05, gt=0, description="seconds between group commits")
    fsync: bool = Field(False, description="fsync the journal per record (survives power loss; slow)")
    journal_max_bytes: int = Field(
        64 * 1024 * 1024,
        ge=1024,
        description="cap on journalled records not yet in the database, per worker (e.g. a database outage)",
    )
    journal_full: JournalFull = Field(
        "reject",
        description="at the cap: `reject` new requests with 503 (fail closed), or `serve` them unrecorded",
    )

    @property
    def encrypts(self) -> bool:
        """Does any team keep encrypted content (so workers hold data keys)?"""
        return self.content == "encrypted" or "encrypted" in self.teams.values()

    def content_for(self, team: str | None) -> ContentRetention:
        if team is not None and team in self.teams:
            return self.teams[team]
        return self.content
