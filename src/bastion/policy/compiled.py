"""A rule set compiled at load: rules ordered by precedence, conditions built once, regexes in RE2 sets.

Precedence (documented in docs/policy.md):
  1. Rules are evaluated most specific scope first (keys 4 + teams 2 + models 1), then in document order.
  2. An enforced `deny` that matches ends evaluation: deny wins over every rule of the same or lower
     specificity, and over anything already merged.
  3. An enforced `allow` that matches exempts the request from every *less specific* rule (a team-level
     exception to a global rule); rules of the same specificity still apply, so a deny there still wins.
  4. Other actions merge their effects (`Decision`).
  5. Shadow rules are evaluated independently and only recorded.
"""

from __future__ import annotations

from typing import Any

from bastion.config.policy_document import PolicyDocument, Rule
from bastion.config.policy_regex import keyword_pattern
from bastion.policy.conditions import Condition, PatternTable, Probe, build
from bastion.policy.decision import Decision, RuleHit
from bastion.policy.facts import Facts


class CompiledRule:
    __slots__ = ("action", "conditions", "content", "id", "keys", "masks", "models", "needs", "rule",
                 "scoped", "shadow", "specificity", "static", "teams")  # fmt: skip

    def __init__(
        self, rule: Rule, conditions: list[Condition], masks: list[int], table: PatternTable
    ) -> None:
        self.rule = rule
        self.id = rule.id
        self.action = rule.then.action
        self.shadow = rule.mode == "shadow"
        self.specificity = rule.scope.specificity
        self.conditions = conditions  # every condition, cheapest first
        self.static = [c for c in conditions if not c.content]  # request attributes only
        self.content = [c for c in conditions if c.content]  # the text (the output, on response rules)
        self.masks = masks  # pattern ids to mask when the action is redact
        scope = rule.scope
        self.teams = frozenset(scope.teams) if scope.teams is not None else None
        self.keys = frozenset(scope.keys) if scope.keys is not None else None
        self.models = table.globs(scope.models) if scope.models is not None else None
        self.scoped = self.teams is not None or self.keys is not None or self.models is not None
        required = [c.patterns for c in conditions if c.patterns]
        # pre-filter: a rule with text conditions can only match when one of its first's patterns hit
        self.needs: frozenset[int] | None = required[0] if required else None

    def in_scope(self, f: Facts) -> bool:
        if self.teams is not None and f.team not in self.teams and f.team_id not in self.teams:
            return False
        if self.keys is not None and f.key_id not in self.keys and f.key_name not in self.keys:
            return False
        return self.models is None or self.models.any(f.model)

    def holds(self, conditions: list[Condition], probe: Probe) -> bool:
        return all(c.test(probe) for c in conditions)

    def reason(self, conditions: list[Condition], probe: Probe) -> str:
        return "; ".join(c.why(probe) for c in conditions) or self.scope_reason()

    def scope_reason(self) -> str:
        s = self.rule.scope
        parts = [f"{name} {', '.join(v)}" for name, v in (("team", s.teams), ("key", s.keys),
                 ("model", s.models)) if v]  # fmt: skip
        return "in scope: " + "; ".join(parts) if parts else "always"

    def match(self, probe: Probe) -> str | None:
        if self.scoped and not self.in_scope(probe.facts):
            return None
        for c in self.conditions:
            if not c.test(probe):
                return None
        return self.reason(self.conditions, probe)

    def why_not(self, probe: Probe) -> str:
        """For traces: the first condition that did not hold."""
        if not self.in_scope(probe.facts):
            return "out of scope"
        for cond in self.conditions:
            if not cond.test(probe):
                return f"{cond.name} did not hold"
        return "matched"


def _compile_rule(rule: Rule, table: PatternTable) -> CompiledRule:
    conds = build(rule.when, table)
    masks: list[int] = []
    if rule.then.action == "redact" and rule.when.text_matches:
        masks = [table.patterns.index(p) for p in rule.when.text_matches]
    if rule.then.action == "redact" and rule.when.keywords:
        masks.append(table.patterns.index(keyword_pattern(rule.when.keywords)))
    return CompiledRule(rule, conds, masks, table)


class CompiledSet:
    """Immutable once built; shared by every request that started under this version."""

    def __init__(self, document: PolicyDocument, version: int = 0) -> None:
        self.document = document
        self.version = version
        self.request_table = PatternTable()
        self.response_table = PatternTable()
        req = [_compile_rule(r, self.request_table) for r in document.policies if r.on == "request"]
        resp = [_compile_rule(r, self.response_table) for r in document.policies if r.on == "response"]
        self.request_table.build()
        self.response_table.build()
        order = {r.id: i for i, r in enumerate(document.policies)}
        key = lambda c: (-c.specificity, order[c.id])  # noqa: E731
        self.request_rules = sorted(req, key=key)
        self.response_rules = sorted(resp, key=key)
        self._index()
        self.needs_pii = any(
            r.rule.when.pii or "request.pii" in (r.rule.when.expr or "") for r in (*req, *resp)
        )

    def __len__(self) -> int:
        return len(self.document.policies)

    def evaluate(self, facts: Facts, *, explain: bool = False) -> Decision:
        decision = Decision(self.version, trace=[] if explain else None)
        probe = Probe(facts, self.request_table)
        floor = -1
        for rule in self._candidates(probe, explain):
            shadow = rule.shadow
            skipped = (decision.deny is not None or rule.specificity < floor) and not shadow
            reason = None if skipped else rule.match(probe)
            if decision.trace is not None:
                decision.trace.append(_trace(rule, probe, reason, skipped, decision))
            if reason is None:
                continue
            then = rule.rule.then
            hit = RuleHit(rule.id, rule.action, rule.rule.mode, reason, then.message)
            if shadow:
                decision.shadow.append(hit)
                continue
            decision.hits.append(hit)
            if rule.action == "deny":
                decision.deny = hit
                continue
            if rule.action == "allow" and floor < rule.specificity:
                floor = rule.specificity
                decision.exempted_by = rule.id
            self._merge(decision, rule, probe)
        return decision

    def _candidates(self, probe: Probe, explain: bool) -> list[CompiledRule]:
        """Rules that can still match, in precedence order: text rules whose patterns did not hit and
        team-scoped rules of other teams are dropped by index lookups instead of being evaluated."""
        if explain:
            return self.request_rules
        f = probe.facts
        team_ok = self._team_free
        for team in (f.team, f.team_id):
            if team is not None and team in self._by_team:
                team_ok = team_ok | self._by_team[team]
        if self._by_pattern:
            hits = probe.hits
            text_ok = self._pattern_free.union(*(self._by_pattern[h] for h in hits if h in self._by_pattern))
            positions = team_ok & text_ok
        else:
            positions = team_ok
        rules = self.request_rules
        return [rules[i] for i in sorted(positions)]

    def _index(self) -> None:
        by_team: dict[str, set[int]] = {}
        by_pattern: dict[int, set[int]] = {}
        team_free: set[int] = set()
        pattern_free: set[int] = set()
        for pos, rule in enumerate(self.request_rules):
            if rule.teams is None:
                team_free.add(pos)
            for team in rule.teams or ():
                by_team.setdefault(team, set()).add(pos)
            if rule.needs is None:
                pattern_free.add(pos)
            for pid in rule.needs or ():
                by_pattern.setdefault(pid, set()).add(pos)
        self._team_free = frozenset(team_free)
        self._pattern_free = frozenset(pattern_free)
        self._by_team = {k: frozenset(v) for k, v in by_team.items()}
        self._by_pattern = {k: frozenset(v) for k, v in by_pattern.items()}

    def _merge(self, d: Decision, rule: CompiledRule, probe: Probe) -> None:
        then = rule.rule.then
        if then.regions is not None:
            d.require_regions(then.regions)
        if then.route_to and d.route_to is None:
            d.route_to = then.route_to
        if then.route_provider and d.route_provider is None:
            d.route_provider = then.route_provider
        if then.redact:
            d.add_redact(dict(then.redact))
        for check, act in (then.guardrails or {}).items():  # the most specific rule sets a check's action
            d.guardrails.setdefault(check, act)
        for idx in rule.masks:
            if idx in probe.hits:
                d.mask.append((self.request_table.compiled[idx], then.mask))
        if then.max_tokens is not None:
            d.cap_tokens(then.max_tokens)
        if then.tools is not None:
            d.restrict_tools(then.tools)
        if then.system_prompt and then.system_prompt not in d.system_prompts:
            d.system_prompts.append(then.system_prompt)

    def response_rules_for(self, facts: Facts) -> list[CompiledRule]:
        """Response rules whose scope and attribute conditions hold for this request (content is checked
        on the output as it arrives)."""
        probe = Probe(facts, self.response_table)
        return [r for r in self.response_rules if r.in_scope(facts) and r.holds(r.static, probe)]


def _trace(
    rule: CompiledRule, probe: Probe, reason: str | None, skipped: bool, d: Decision
) -> dict[str, Any]:
    out: dict[str, Any] = {"id": rule.id, "mode": rule.rule.mode, "action": rule.rule.then.action}
    if skipped:
        out["result"] = "skipped"
        out["why"] = f"denied by {d.deny.id}" if d.deny else f"exempted by {d.exempted_by}"
    elif reason is None:
        out["result"] = "no match"
        out["why"] = rule.why_not(probe)
    else:
        out["result"] = "matched"
        out["why"] = reason
    return out


def compile_document(data: Any, version: int = 0) -> CompiledSet:
    """Validate (pydantic ValidationError on any problem) and compile a `{"policies": [...]}` mapping."""
    doc = data if isinstance(data, PolicyDocument) else PolicyDocument.model_validate(data)
    return CompiledSet(doc, version)
