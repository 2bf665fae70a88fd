"""Stage 8: restore pseudonymised values in the response for the app. Pass-through until the PII issue
lands; it will rewrite `ctx.response` through `bastion.textview` or wrap `ctx.events`."""

from __future__ import annotations

from bastion.context import RequestContext


class RestoreStage:
    name = "restore"

    async def run(self, ctx: RequestContext) -> None:
        return None
