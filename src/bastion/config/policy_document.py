"""The policy document: a list of rules, validated completely before anything is activated.

    - id: eu-only                       # unique; shown in errors and the audit record
      description: EU teams use EU-hosted models only
      mode: enforce                     # enforce | shadow (evaluate and record, enforce nothing)
      on: request                       # request (default) | response (output rules)
      scope: {teams: [eu-team], keys: [...], models: ["gpt-*"]}   # optional; default: everyone
      when: {...}                       # every given condition must hold; none given: always
      then: {action: deny, message: ..., require_region: eu, ...}

Every error names its field (`policies.3.when.text_matches.0: invalid pattern ...`), so an admin API PUT
answers 422 with the exact place and a bad file is rejected before it replaces the active set.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from bastion.apis import registry
from bastion.config.pii_settings import LABELS
from bastion.config.pii_settings import Action as PiiAction
from bastion.config.policy_expr import ExprError, compile_expr
from bastion.config.policy_names import RESOLVER, WEEKDAYS
from bastion.config.policy_regex import PatternError, compile_pattern

RuleAction = Literal["deny", "allow", "flag", "redact", "route", "transform", "guardrails"]
GuardAction = Literal["block", "flag", "mask", "off"]
GUARD_CHECKS = ("prompt_injection", "toxicity", "judge", "pii", "secrets")  # bastion.guard
RESPONSE_ACTIONS = frozenset({"deny", "flag", "redact"})
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_APIS = registry.names()


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _pattern(value: str) -> str:
    try:
        compile_pattern(value)
    except PatternError as exc:
        raise ValueError(str(exc)) from None
    return value


def _label(value: str) -> str:
    if value not in LABELS:
        raise ValueError(f"unknown PII type {value}; known: {', '.join(LABELS)}")
    return value


Pattern = Annotated[str, AfterValidator(_pattern)]
PiiLabel = Annotated[str, AfterValidator(_label)]


class Scope(_Strict):
    """Who a rule applies to. Each list given must contain the caller's value (teams: name or id;
    keys: key id or key name; models: globs over the requested model)."""

    teams: list[str] | None = None
    keys: list[str] | None = None
    models: list[str] | None = None

    @property
    def specificity(self) -> int:
        """keys 4 + teams 2 + models 1: a higher number is more specific."""
        return 4 * bool(self.keys) + 2 * bool(self.teams) + 1 * bool(self.models)


class TimeWindow(_Strict):
    """UTC. `start` <= time < `end`; a window may wrap midnight (22:00-06:00)."""

    days: list[str] | None = None
    start: str = "00:00"
    end: str = "24:00"

    @field_validator("days")
    @classmethod
    def _days(cls, v: list[str] | None) -> list[str] | None:
        if v is not None:
            bad = [d for d in v if d.lower() not in WEEKDAYS]
            if bad:
                raise ValueError(f"unknown day(s) {', '.join(bad)}; use {', '.join(WEEKDAYS)}")
            return [d.lower() for d in v]
        return v

    @field_validator("start", "end")
    @classmethod
    def _hhmm(cls, v: str) -> str:
        if v != "24:00" and not _HHMM.match(v):
            raise ValueError("use HH:MM (00:00 to 24:00)")
        return v


class When(_Strict):
    text_matches: list[Pattern] | None = Field(None, description="RE2 regexes; any match")
    keywords: list[str] | None = Field(None, description="whole words, case-insensitive; any")
    pii: list[PiiLabel] | None = Field(None, description="any of these PII types detected")
    models: list[str] | None = Field(None, description="requested model globs; any")
    models_not: list[str] | None = Field(None, description="requested model matches none of these globs")
    use_case: list[str] | None = Field(None, description="the use-case header's value is one of these")
    apis: list[str] | None = Field(None, description="inbound API: " + ", ".join(_APIS))
    tokens_over: int | None = Field(None, ge=0, description="estimated prompt tokens above this")
    time: TimeWindow | None = None
    headers: dict[str, list[str]] | None = Field(None, description="header -> accepted value globs")
    expr: str | None = Field(None, description="safe expression over request attributes")

    @field_validator("keywords")
    @classmethod
    def _keywords(cls, v: list[str] | None) -> list[str] | None:
        if v is not None and any(not w.strip() for w in v):
            raise ValueError("keywords may not be empty")
        return v

    @field_validator("apis")
    @classmethod
    def _apis(cls, v: list[str] | None) -> list[str] | None:
        if v is not None:
            bad = [a for a in v if a not in _APIS]
            if bad:
                raise ValueError(f"unknown API(s) {', '.join(bad)}; known: {', '.join(_APIS)}")
        return v

    @field_validator("headers")
    @classmethod
    def _headers(cls, v: dict[str, list[str]] | None) -> dict[str, list[str]] | None:
        return {k.lower(): vals for k, vals in v.items()} if v is not None else None

    @field_validator("expr")
    @classmethod
    def _expr(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                compile_expr(v, RESOLVER)
            except ExprError as exc:
                raise ValueError(str(exc)) from None
        return v

    @property
    def content(self) -> bool:
        """True when a condition reads the text (on response rules: the output)."""
        return bool(self.text_matches or self.keywords or self.pii)


class Then(_Strict):
    action: RuleAction
    message: str | None = Field(None, max_length=1000, description="deny: shown to the caller")
    require_region: str | list[str] | None = Field(None, description="fail closed: only these regions")
    redact: dict[PiiLabel, PiiAction] | None = Field(None, description="PII type -> action (overrides)")
    route_to: str | None = Field(None, description="serve the request with this model name")
    route_provider: str | None = Field(None, description="only this provider's deployments")
    max_tokens: int | None = Field(None, gt=0, description="cap the output tokens")
    tools: Literal["strip"] | list[str] | None = Field(None, description="strip all, or keep only these")
    system_prompt: str | None = Field(None, max_length=20000, description="prepended system instruction")
    mask: str = Field("[REDACTED]", max_length=100, description="redact: replacement for matched text")
    guardrails: dict[str, GuardAction] | None = Field(
        None, description="content check -> its action for this rule's scope (off: not run)"
    )

    @field_validator("guardrails")
    @classmethod
    def _checks(cls, v: dict[str, str] | None) -> dict[str, str] | None:
        unknown = sorted(set(v or ()) - set(GUARD_CHECKS))
        if unknown:
            raise ValueError(f"unknown content check {', '.join(unknown)}; known: {', '.join(GUARD_CHECKS)}")
        return v

    @property
    def regions(self) -> frozenset[str] | None:
        if self.require_region is None:
            return None
        values = [self.require_region] if isinstance(self.require_region, str) else self.require_region
        return frozenset(values)

    @property
    def transforms(self) -> bool:
        return self.max_tokens is not None or self.tools is not None or self.system_prompt is not None


class Rule(_Strict):
    id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:-]+$")
    description: str | None = None
    mode: Literal["enforce", "shadow"] = "enforce"
    on: Literal["request", "response"] = "request"
    scope: Scope = Field(default_factory=Scope)
    when: When = Field(default_factory=When)
    then: Then

    @model_validator(mode="before")
    @classmethod
    def _yaml_on(cls, data: Any) -> Any:
        """YAML 1.1 reads the key `on` as the boolean true: take it back."""
        if isinstance(data, dict) and True in data:
            data = {("on" if k is True else k): v for k, v in data.items()}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Rule:
        t = self.then
        if self.on == "response":
            if t.action not in RESPONSE_ACTIONS:
                raise ValueError(f"then.action: a response rule can deny, redact or flag, not {t.action}")
            if self.then.redact is None and t.action == "redact" and not self.when.content:
                raise ValueError("then.action: a response redact needs when.text_matches, keywords or pii")
            return self
        if t.action == "route" and not (t.route_to or t.route_provider or t.require_region):
            raise ValueError("then: action route needs route_to, route_provider or require_region")
        if t.action == "redact" and not (t.redact or self.when.text_matches or self.when.keywords):
            raise ValueError("then: action redact needs then.redact or when.text_matches/keywords to mask")
        if t.action == "transform" and not t.transforms:
            raise ValueError("then: action transform needs max_tokens, tools or system_prompt")
        if t.action == "guardrails" and not t.guardrails:
            raise ValueError("then: action guardrails needs then.guardrails (check -> action)")
        return self


class PolicyDocument(_Strict):
    policies: list[Rule] = Field(default_factory=list)

    @field_validator("policies")
    @classmethod
    def unique(cls, v: list[Rule]) -> list[Rule]:
        seen: set[str] = set()
        for rule in v:
            if rule.id in seen:
                raise ValueError(f"duplicate rule id {rule.id!r}")
            seen.add(rule.id)
        return v
