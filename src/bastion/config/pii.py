"""The `pii:` section: the engine's settings plus what the gateway does with them per team."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from bastion.pii.settings import Action, PiiSettings


class PiiOverride(BaseModel):
    """Per-team changes to the global actions (labels not named keep the global action)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    actions: dict[str, Action] = Field(default_factory=dict)
    default_action: Action | None = None


class PiiConfig(PiiSettings):
    enabled: bool = Field(True, description="detect and protect PII in every request bound for a provider")
    teams: dict[str, PiiOverride] = Field(default_factory=dict)
