"""The Hub web console (`/hub`, `bastion.hub`): sessions and login throttling."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class HubSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(True, description="serve the web console at /hub")
    session_idle_minutes: float = Field(30.0, gt=0, description="a session ends after this long unused")
    session_max_hours: float = Field(12.0, gt=0, description="and at the latest this long after login")
    login_attempts: int = Field(10, ge=1, description="failed logins allowed per client address and window")
    login_window_seconds: float = Field(300.0, gt=0)
    trust_forwarded_proto: bool = Field(
        False, description="a TLS-terminating proxy sets X-Forwarded-Proto: mark cookies Secure on https"
    )
