"""Stage 4: protect data (detect and pseudonymise PII before anything leaves). Pass-through until the PII
issue lands; it will rewrite request text through `bastion.textview`."""

from __future__ import annotations

from bastion.context import RequestContext


class PiiStage:
    name = "pii"

    async def run(self, ctx: RequestContext) -> None:
        return None
