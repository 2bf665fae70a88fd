"""The `pii:` section: the engine's settings plus what the gateway does with them per team and provider."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bastion.config.pii_settings import LABELS, Action, PiiSettings


class PiiOverride(BaseModel):
    """Per-team or per-provider changes to the actions (labels not named keep the action they had)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    actions: dict[str, Action] = Field(default_factory=dict)
    default_action: Action | None = None

    @field_validator("actions")
    @classmethod
    def _known_labels(cls, value: dict[str, Action]) -> dict[str, Action]:
        unknown = sorted(set(value) - set(LABELS))
        if unknown:
            raise ValueError(f"unknown PII entity labels in actions: {unknown}; known: {list(LABELS)}")
        return value


class PiiConfig(PiiSettings):
    enabled: bool = Field(True, description="detect and protect PII in every request bound for a provider")
    teams: dict[str, PiiOverride] = Field(default_factory=dict)
    providers: dict[str, PiiOverride] = Field(
        default_factory=dict,
        description="provider name -> what that provider may receive; overrides the caller's actions "
        "except block (a provider's own block keeps requests holding that type away from it)",
    )
