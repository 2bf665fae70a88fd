"""Use cases (the risk register), what to do with requests for an unknown use case, the review queue's
settings, and the facts the compliance reports need that traffic cannot tell (home regions). See
docs/compliance.md."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Risk = Literal["minimal", "limited", "high"]
UnknownUseCase = Literal["allow", "flag", "deny"]
NAME_PATTERN = r"^[A-Za-z0-9_.:-]+$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class UseCase(_Strict):
    """One entry of the risk register: an AI use case, who owns it, why personal data is processed."""

    name: str = Field(min_length=1, max_length=100, pattern=NAME_PATTERN)
    description: str = ""
    owner: str = Field(min_length=1, description="the accountable person or team")
    risk: Risk
    purpose: str = Field(min_length=1, description="purpose of processing (GDPR Art. 30(1)(b))")
    data_categories: list[str] = Field(default_factory=list, description="personal-data categories expected")
    data_subjects: list[str] = Field(default_factory=list, description="categories of data subjects")
    allowed_models: list[str] = Field(default_factory=lambda: ["*"], description="model name globs")
    interacts_with_people: bool = Field(False, description="EU AI Act Art. 50: people talk to the system")
    keys: list[str] = Field(default_factory=list, description="virtual keys (id or name) bound to it")
    content_retention_days: int | None = Field(
        None, ge=1, description="the longest this purpose allows stored request content to be kept"
    )


class ReviewSettings(_Strict):
    enabled: bool = Field(True, description="flagged requests enter the review queue")
    auditors_may_decide: bool = Field(False, description="the auditor role may decide reviews")
    budget_near: bool = Field(True, description="requests past a soft budget (`soft_usd`) enter the queue")


class ComplianceSettings(_Strict):
    home_regions: list[str] = Field(
        default_factory=list,
        description="regions that are not a transfer (e.g. [eu]); others are reported as third-country",
    )
    controller: str | None = Field(None, description="the controller named in the GDPR Art. 30 record")


def unique_use_cases(entries: list[UseCase]) -> list[UseCase]:
    names = [u.name for u in entries]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"duplicate use case names: {', '.join(dupes)}")
    bound: dict[str, str] = {}
    for u in entries:
        for key in u.keys:
            if key in bound and bound[key] != u.name:
                raise ValueError(f"key {key!r} is bound to two use cases ({bound[key]}, {u.name})")
            bound[key] = u.name
    return entries
