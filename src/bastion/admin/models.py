"""Request and response bodies of the admin API. Requests reject unknown fields (422 names the field);
the OpenAPI document (`openapi.py`) is generated from these classes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from bastion.config.limits import Budget, RateLimits
from bastion.storage.keys import KeyRecord
from bastion.storage.teams import Team

Name = Annotated[
    str, StringConstraints(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:@ -]*$")
]
Glob = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^\S+$")]
Region = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^\S+$")]
Role = Literal["admin", "team-admin", "auditor"]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TeamCreate(Request):
    name: Name
    metadata: dict[str, Any] = Field(
        default_factory=dict, description="free-form labels (cost centre, owner)"
    )
    models: list[Glob] | None = Field(None, description="glob patterns its keys may use; absent: every model")
    regions: list[Region] | None = Field(
        None, description="regions its traffic may go to; absent: every region"
    )
    limits: RateLimits | None = Field(None, description="rpm, tpm, concurrency shared by the team's keys")
    budget: Budget | None = Field(None, description='USD per period, e.g. {"usd": 100, "period": "day"}')


class TeamUpdate(Request):
    name: Name | None = None
    metadata: dict[str, Any] | None = None
    models: list[Glob] | None = Field(None, description="send null to lift the restriction")
    regions: list[Region] | None = Field(None, description="send null to lift the restriction")
    limits: RateLimits | None = Field(None, description="send null to lift the limits")
    budget: Budget | None = Field(None, description="send null to lift the budget")


class KeyCreate(Request):
    name: Name
    team: str | None = Field(None, description="team id or name")
    user: str | None = Field(None, max_length=200, description="user or application label")
    models: list[Glob] = Field(default_factory=lambda: ["*"], description='glob patterns, e.g. ["gpt-4o*"]')
    regions: list[Region] | None = None
    expires_at: datetime | None = Field(None, description="ISO 8601 (UTC when no offset) or Unix seconds")
    role: Role | None = Field(
        None, description="admin-API role; absent: a data-plane key without admin rights"
    )
    limits: RateLimits | None = Field(None, description='e.g. {"rpm": 60, "tpm": 100000, "concurrency": 4}')
    budget: Budget | None = Field(None, description='USD per period, e.g. {"usd": 100, "period": "day"}')


class KeyUpdate(Request):
    """A merge patch of a key: absent fields stay as they are, `null` clears. The secret (rotate), the
    team and the role cannot be changed here: unknown fields are refused (422)."""

    name: Name | None = Field(None, description="may not be null")
    user: str | None = Field(None, max_length=200, description="null clears the label")
    models: list[Glob] | None = Field(None, description='null: every model its team allows (["*"])')
    regions: list[Region] | None = Field(None, description="null lifts the restriction")
    expires_at: datetime | None = Field(None, description="ISO 8601 or Unix seconds; null: never expires")
    limits: RateLimits | None = Field(None, description="replaced whole; null lifts the limits")
    budget: Budget | None = Field(None, description="replaced whole; null lifts the budget")

    @field_validator("name")
    @classmethod
    def _name_not_null(cls, value: str | None) -> str:
        if value is None:  # only reached when sent: absent fields are not validated
            raise ValueError("may not be null")
        return value

    def changes(self) -> dict[str, Any]:
        """The fields sent, as `IdentityAdmin.update_key` stores them."""
        sent = self.model_dump(exclude_unset=True)
        if "models" in sent and sent["models"] is None:
            sent["models"] = ["*"]
        if "expires_at" in sent:
            sent["expires_at"] = epoch(self.expires_at)
        for nested in ("limits", "budget"):
            if nested in sent:
                value = getattr(self, nested)
                sent[nested] = value.model_dump(exclude_none=True) if value is not None else None
        return sent


class KeyRotate(Request):
    grace_seconds: float = Field(0, ge=0, le=30 * 86400, description="how long the old secret keeps working")


def iso(ts: float | None) -> str | None:
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z") if ts is not None else None


def epoch(dt: datetime | None) -> float | None:
    if dt is None:
        return None
    return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).timestamp()


class TeamOut(BaseModel):
    id: str
    name: str
    metadata: dict[str, Any]
    models: list[str] | None
    regions: list[str] | None
    created_at: str
    updated_at: str
    limits: dict[str, Any] | None = None
    budget: dict[str, Any] | None = None

    @classmethod
    def of(cls, t: Team) -> TeamOut:
        return cls(
            id=t.id,
            name=t.name,
            metadata=t.metadata,
            models=t.models,
            regions=t.regions,
            created_at=iso(t.created_at) or "",
            updated_at=iso(t.updated_at) or "",
            limits=t.limits,
            budget=t.budget,
        )


class KeyOut(BaseModel):
    """A key's metadata: never the key itself nor its hash."""

    id: str
    name: str
    prefix: str = Field(description="the first characters of the key, to recognise it")
    team: str | None = Field(description="team name")
    team_id: str | None
    user: str | None
    role: Role | None
    models: list[str]
    regions: list[str] | None
    status: Literal["active", "expired", "revoked"]
    expires_at: str | None
    created_by: str
    created_at: str
    last_used_at: str | None
    revoked_at: str | None
    previous_valid_until: str | None = Field(description="end of the grace period of the pre-rotation key")
    limits: dict[str, Any] | None = None
    budget: dict[str, Any] | None = None

    @classmethod
    def of(cls, k: KeyRecord, teams: dict[str, str], now: float) -> KeyOut:
        if k.revoked:
            status: Literal["active", "expired", "revoked"] = "revoked"
        elif k.expires_at is not None and k.expires_at <= now:
            status = "expired"
        else:
            status = "active"
        grace = k.previous_expires_at if k.previous_expires_at and k.previous_expires_at > now else None
        return cls(
            id=k.id,
            name=k.name,
            prefix=k.prefix,
            team=teams.get(k.team_id) if k.team_id else None,
            team_id=k.team_id,
            user=k.user,
            role=k.role,
            models=k.models,
            regions=k.regions,
            status=status,
            expires_at=iso(k.expires_at),
            created_by=k.created_by,
            created_at=iso(k.created_at) or "",
            last_used_at=iso(k.last_used_at),
            revoked_at=iso(k.revoked_at),
            previous_valid_until=iso(grace),
            limits=k.limits,
            budget=k.budget,
        )


class KeyCreated(KeyOut):
    key: str = Field(description="the key: shown this once, store it now")


class TeamList(BaseModel):
    object: Literal["list"] = "list"
    data: list[TeamOut]


class KeyList(BaseModel):
    object: Literal["list"] = "list"
    data: list[KeyOut]


class Deleted(BaseModel):
    id: str
    deleted: bool = True


class WhoAmI(BaseModel):
    key_id: str
    name: str
    role: Role | None
    team: str | None
    team_id: str | None


class ErrorDetail(BaseModel):
    field: str
    message: str


class ErrorBody(BaseModel):
    message: str
    type: str
    param: str | None
    code: str | None
    errors: list[ErrorDetail] | None = None


class ErrorResponse(BaseModel):
    error: ErrorBody
