"""Stage 9: record the interaction. Its `finish` runs for every request, including denied, failed and
cancelled ones. Until the audit issue lands it writes one structured log line per request to the
`bastion.access` logger (off unless that logger is enabled)."""

from __future__ import annotations

import logging

from bastion.context import RequestContext

log = logging.getLogger("bastion.access")


class AuditStage:
    name = "audit"

    async def run(self, ctx: RequestContext) -> None:
        return None

    async def finish(self, ctx: RequestContext) -> None:
        if not log.isEnabledFor(logging.INFO):
            return
        log.info(
            "request",
            extra={
                "request_id": ctx.request_id,
                "api": ctx.api,
                "model": ctx.model,
                "target": ctx.target.label if ctx.target else None,
                "status": ctx.error.status_code if ctx.error else ctx.status,
                "error": ctx.error.error_class if ctx.error else None,
                "usage": ctx.usage.as_dict() if ctx.usage else None,
                "overhead_ms": ctx.overhead_ms(ctx.ended_ns),
            },
        )
