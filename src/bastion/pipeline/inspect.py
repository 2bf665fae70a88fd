"""Stage 7: inspect the response against the policy rules with `on: response` (deny, mask, flag when the
output matches patterns, keywords, PII or secrets). Rules come from the set the request started under
(`ctx.policy`), so a reload mid-request never changes them; streams are wrapped, not buffered
(`bastion.policy.response`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bastion.context import RequestContext
from bastion.policy.response import OutputChecker, check_body, guard_events


class InspectStage:
    name = "inspect"

    def __init__(self, detector: Callable[[], Callable[[str], list[Any]] | None] | None = None) -> None:
        self.detector = detector  # the PII detector for `pii:` conditions on output (built on first need)

    async def run(self, ctx: RequestContext) -> None:
        run = ctx.policy
        if run is None or not run.active.response_rules:
            return
        rules = run.active.response_rules_for(run.facts)
        if not rules:
            return
        needs_pii = any(r.rule.when.pii or "request.pii" in (r.rule.when.expr or "") for r in rules)
        detect = self.detector() if needs_pii and self.detector is not None else None
        checker = OutputChecker(run.active, rules, run.facts, detect)
        if ctx.events is not None:
            ctx.events = guard_events(ctx, ctx.events, checker)
        elif ctx.response is not None:
            check_body(ctx, checker)
