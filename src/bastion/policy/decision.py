"""What evaluating a rule set decided for one request: the rules that matched and their merged effects.

Effects of enforced, non-deny matches are merged in precedence order (most specific scope first):
    require_region   intersected (every matching rule must be satisfied; an empty set refuses the request)
    route_to / route_provider   the first (most specific) rule wins
    redact           per PII type the first rule wins, except `block`, which always wins
    guardrails       per content check the first (most specific) rule's action wins
    max_tokens       the lowest cap wins
    tools            `strip` wins; allow-lists are intersected
    system_prompt    all are prepended, most specific first
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class RuleHit:
    id: str
    action: str
    mode: str
    reason: str
    message: str | None = None

    def record(self) -> dict[str, Any]:
        return {"id": self.id, "action": self.action, "mode": self.mode, "reason": self.reason}


@dataclass(slots=True)
class Decision:
    version: int
    hits: list[RuleHit] = field(default_factory=list)  # enforced matches, in precedence order
    shadow: list[RuleHit] = field(default_factory=list)  # shadow-mode matches: recorded, not enforced
    deny: RuleHit | None = None
    exempted_by: str | None = None
    regions: frozenset[str] | None = None
    route_to: str | None = None
    route_provider: str | None = None
    redact: dict[str, str] = field(default_factory=dict)
    guardrails: dict[str, str] = field(default_factory=dict)  # content check -> action in this scope
    mask: list[tuple[Any, str]] = field(default_factory=list)  # (compiled regex, replacement) on request text
    max_tokens: int | None = None
    tools: str | frozenset[str] | None = None
    system_prompts: list[str] = field(default_factory=list)
    trace: list[dict[str, Any]] | None = None  # every rule's outcome, when evaluated with explain=True

    @property
    def action(self) -> str:
        if self.deny is not None:
            return "deny"
        return self.hits[0].action if self.hits else "none"

    @property
    def flagged(self) -> bool:
        return any(h.action == "flag" for h in self.hits)

    def require_regions(self, regions: frozenset[str]) -> None:
        self.regions = regions if self.regions is None else self.regions & regions

    def add_redact(self, overrides: dict[str, str]) -> None:
        for label, act in overrides.items():
            if label not in self.redact or act == "block":
                self.redact[label] = act

    def cap_tokens(self, cap: int) -> None:
        self.max_tokens = cap if self.max_tokens is None else min(self.max_tokens, cap)

    def restrict_tools(self, tools: str | list[str]) -> None:
        if tools == "strip" or self.tools == "strip":
            self.tools = "strip"
            return
        allowed = frozenset(tools)
        self.tools = allowed if self.tools is None else self.tools & allowed  # type: ignore[operator]

    def record(self) -> dict[str, Any]:
        """The audit record's `policy` field."""
        out: dict[str, Any] = {
            "version": self.version,
            "action": self.action,
            "matched": [h.record() for h in self.hits],
        }
        if self.shadow:
            out["shadow"] = [h.record() for h in self.shadow]
        if self.deny is not None:
            out["denied_by"] = self.deny.id
        if self.exempted_by:
            out["exempted_by"] = self.exempted_by
        if self.flagged:
            out["flagged"] = True
        if self.regions is not None:
            out["require_region"] = sorted(self.regions)
        if self.route_to or self.route_provider:
            out["route"] = self.route_to or self.route_provider
        if self.guardrails:
            out["guardrails"] = dict(self.guardrails)
        return out
