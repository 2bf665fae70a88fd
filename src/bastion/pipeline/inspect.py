"""Stage 7: inspect the response against policy (output rules, content checks). Pass-through until the
policy issue lands; it will read `ctx.response` or wrap `ctx.events`."""

from __future__ import annotations

from bastion.context import RequestContext


class InspectStage:
    name = "inspect"

    async def run(self, ctx: RequestContext) -> None:
        return None
