"""The `policy:` section (where rules come from, how fast changes spread) and the `policies:` list (rules
written inline in the config file; see bastion.config.policy_document for their shape and docs/policy.md)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from bastion.config.policy_document import PolicyDocument, Rule

__all__ = ["Policies", "PolicySettings", "Rule"]


def _unique(rules: list[Rule]) -> list[Rule]:
    return PolicyDocument.unique(rules)


Policies = Annotated[list[Rule], AfterValidator(_unique)]


class PolicySettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str | None = Field(
        None, description="a YAML/JSON policy file, or a directory of them (*.yaml, *.yml, *.json), watched"
    )
    watch: bool = Field(True, description="re-read `path` when it changes (checked every watch_interval)")
    watch_interval: float = Field(0.5, gt=0, le=60)
    poll_interval: float = Field(0.5, gt=0, le=1.0, description="version poll without Redis (seconds)")
    redis_poll_interval: float = Field(5.0, gt=0, description="backstop poll when redis_url is set")
    use_case_header: str = Field("x-bastion-use-case", description="request header read as `use_case`")
    app_header: str = Field("x-bastion-app", description="request header read as `caller.app`")
